/**
 * Progress of a long command on stderr: a bar redrawn in place on a terminal; elsewhere (a log, a CI job) a
 * line at each tenth, so the log shows it moving without a line per row. cli-progress schedules its
 * non-terminal output by time, which would make the log's lines depend on the machine's speed.
 */
export interface Progress {
  /** `done` of `total` are done. */
  update(done: number): void;
  /** Shows the end (100%) and ends the bar's line, so what follows starts on a line of its own. */
  finish(): void;
}

const WIDTH = 30;
const count = (n: number) => n.toLocaleString('en-US');

export function createProgress(
  out: { write(text: string): unknown },
  terminal: boolean,
  label: string,
  total: number,
  unit: string,
): Progress {
  // A log's first line is the first tenth.
  let shown = terminal ? -1 : 0;
  let last = 0;
  const percentOf = (done: number) => (total === 0 ? 100 : Math.floor((done / total) * 100));
  const status = (done: number) => `${count(done)}/${count(total)} ${unit}`;

  function draw(done: number): void {
    const percent = percentOf(done);
    if (terminal) {
      if (percent === shown) return;
      const filled = Math.round((percent / 100) * WIDTH);
      // \r and "erase line" (ECMA-48 EL): the bar is rewritten where it is.
      out.write(
        `\r\x1b[2K${label} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${percent}% ${status(done)}`,
      );
      shown = percent;
      return;
    }
    const tenth = Math.floor(percent / 10);
    if (tenth <= shown) return;
    out.write(`${label}: ${tenth * 10}% (${status(done)})\n`);
    shown = tenth;
  }

  // A terminal shows the bar at once, empty.
  if (terminal) draw(0);
  return {
    update(done) {
      last = done;
      draw(done);
    },
    finish() {
      draw(Math.max(last, total));
      if (terminal) out.write('\n');
    },
  };
}
