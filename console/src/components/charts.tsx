/**
 * Bar charts in plain SVG (no chart library to bundle): each chart is a figure with a caption, each bar
 * carries its bucket, series and value as a title, so a screen reader and a test read what is drawn.
 */
import { useId } from 'react';

export interface Series {
  label: string;
  /** Names the bar's colour in styles.css. */
  tone: 'primary' | 'secondary';
  /** One value per bucket; null draws nothing (nothing to show). */
  values: (number | null)[];
}

const WIDTH = 640;
const HEIGHT = 200;
const PAD = { top: 10, right: 10, bottom: 24, left: 44 };

export function BarChart(props: {
  caption: string;
  labels: string[];
  series: Series[];
  format(value: number): string;
  /** The top of the scale; the largest value by default. */
  max?: number;
}) {
  const captionId = useId();
  const { labels, series, format } = props;
  const largest = Math.max(0, ...series.flatMap((s) => s.values.map((v) => v ?? 0)));
  const max = props.max ?? (largest === 0 ? 1 : largest);
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotWidth / Math.max(1, labels.length);
  const barWidth = Math.max(1, (slot * 0.8) / series.length);
  const y = (value: number) => PAD.top + plotHeight - (value / max) * plotHeight;
  const ticks = [0, 0.5, 1].map((f) => f * max);
  // Label about eight buckets, whatever their number.
  const labelEvery = Math.max(1, Math.ceil(labels.length / 8));

  return (
    <figure className="chart">
      <figcaption id={captionId}>{props.caption}</figcaption>
      {/* Time runs left to right in either language, as on a clock's axis. */}
      <div dir="ltr">
        <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby={captionId}>
          {ticks.map((tick) => (
            <g key={tick} className="tick">
              <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(tick)} y2={y(tick)} />
              <text x={PAD.left - 4} y={y(tick) + 4} textAnchor="end">
                {format(tick)}
              </text>
            </g>
          ))}
          {labels.map((label, index) => (
            <g key={index}>
              {series.map((s, n) => {
                const value = s.values[index];
                if (value === null || value === undefined) return null;
                const top = y(value);
                return (
                  <rect
                    key={s.label}
                    className={`bar bar-${s.tone}`}
                    data-value={value}
                    x={PAD.left + index * slot + slot * 0.1 + n * barWidth}
                    y={top}
                    width={barWidth}
                    height={Math.max(value > 0 ? 1 : 0, PAD.top + plotHeight - top)}
                  >
                    <title>{`${label} · ${s.label}: ${format(value)}`}</title>
                  </rect>
                );
              })}
              {index % labelEvery === 0 && (
                <text
                  className="axis-label"
                  x={PAD.left + index * slot + slot / 2}
                  y={HEIGHT - 6}
                  textAnchor="middle"
                >
                  {label}
                </text>
              )}
            </g>
          ))}
        </svg>
      </div>
      {series.length > 1 && (
        <ul className="legend">
          {series.map((s) => (
            <li key={s.label}>
              <span className={`swatch bar-${s.tone}`} aria-hidden="true" />
              {s.label}
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}
