/** Traffic over a chosen period: figures, two charts, and conversion by country and by prefix, worst first. */
import { useState } from 'react';
import { api, call } from '../api/client';
import { BarChart } from '../components/charts';
import { ErrorNote, Facts, Loading } from '../components/common';
import { useLoad } from '../components/load';
import { useI18n } from '../i18n';

const PERIODS = ['24h', '7d', '30d', '90d'] as const;
type Period = (typeof PERIODS)[number];

export function Overview() {
  const i18n = useI18n();
  const { messages: m } = i18n;
  const [period, setPeriod] = useState<Period>('7d');
  const { data, error, loading } = useLoad(
    () => call(api.GET('/admin/api/overview', { params: { query: { period } } })),
    [period],
  );
  const countryName = (code: string | null) => {
    if (code === null) return m.overview.unknownCountry;
    const names = new Intl.DisplayNames(i18n.language, { type: 'region' });
    return names.of(code) ?? code;
  };
  const labels = data?.series.map((bucket) => i18n.date(bucket.from)) ?? [];

  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">{m.overview.title}</h1>
      <label className="inline">
        {m.overview.period}
        <select value={period} onChange={(event) => setPeriod(event.target.value as Period)}>
          {PERIODS.map((name) => (
            <option key={name} value={name}>
              {m.overview.periods[name]}
            </option>
          ))}
        </select>
      </label>
      <Loading loading={loading} />
      <ErrorNote error={error} />
      {data && (
        <>
          <Facts
            rows={[
              [m.overview.started, i18n.number(data.started)],
              [m.overview.approved, i18n.number(data.approved)],
              [
                m.overview.conversionRate,
                <span data-figure="conversion-rate">{i18n.percent(data.conversionRate)}</span>,
              ],
              [m.overview.sends, i18n.number(data.sends)],
              [m.overview.deliveryRate, i18n.percent(data.deliveryRate)],
              [
                m.overview.cost,
                data.costs.length === 0
                  ? m.overview.noCost
                  : data.costs.map((cost) => i18n.money(cost.amount, cost.currency)).join(' · '),
              ],
            ]}
          />
          <div className="charts">
            <BarChart
              caption={m.overview.trafficChart}
              labels={labels}
              format={(value) => i18n.number(Math.round(value))}
              series={[
                { label: m.overview.legendSends, tone: 'secondary', values: data.series.map((b) => b.sends) },
                {
                  label: m.overview.legendApproved,
                  tone: 'primary',
                  values: data.series.map((b) => b.approved),
                },
              ]}
            />
            <BarChart
              caption={m.overview.conversionChart}
              labels={labels}
              max={1}
              format={(value) => i18n.percent(value)}
              series={[
                {
                  label: m.overview.conversionRate,
                  tone: 'primary',
                  values: data.series.map((b) => (b.started === 0 ? null : b.approved / b.started)),
                },
              ]}
            />
          </div>
          <ConversionTable
            caption={m.overview.byCountry}
            first={m.overview.country}
            rows={data.countries.map((row) => ({
              ...row,
              key: row.country ?? '?',
              name: countryName(row.country),
            }))}
          />
          <ConversionTable
            caption={m.overview.byPrefix}
            first={m.overview.prefix}
            rows={data.prefixes.map((row) => ({
              ...row,
              key: row.prefix,
              name: `${row.prefix} (${countryName(row.country)})`,
            }))}
          />
        </>
      )}
    </section>
  );
}

function ConversionTable(props: {
  caption: string;
  first: string;
  rows: { key: string; name: string; started: number; approved: number; conversionRate: number | null }[];
}) {
  const i18n = useI18n();
  const { messages: m } = i18n;
  return (
    <table>
      <caption>{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col">{props.first}</th>
          <th scope="col">{m.overview.started}</th>
          <th scope="col">{m.overview.approved}</th>
          <th scope="col">{m.overview.conversionRate}</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map((row) => (
          <tr key={row.key}>
            <th scope="row">
              <bdi>{row.name}</bdi>
            </th>
            <td>{i18n.number(row.started)}</td>
            <td>{i18n.number(row.approved)}</td>
            <td>{i18n.percent(row.conversionRate)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
