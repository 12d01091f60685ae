/**
 * A one-line progress bar on a terminal (stderr), redrawn at most ten
 * times a second.
 * @module
 */

/** Formats a byte count (1.5 MB). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  const u = ["KB", "MB", "GB", "TB"];
  let v = n / 1024, i = 0;
  while (v >= 1024 && i < u.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${u[i]}`;
}

/** Renders "[#####.....]  45% 4.5 MB / 10.0 MB 12.3 MB/s" for a width. */
export function progressLine(done: number, total: number | null, ms: number, width = 30): string {
  const rate = ms > 0 ? `${formatBytes(done / (ms / 1000))}/s` : "";
  if (total === null || total <= 0) return `${formatBytes(done)} ${rate}`;
  const f = Math.min(1, done / total);
  const fill = Math.round(f * width);
  return `[${"#".repeat(fill)}${".".repeat(width - fill)}] ${(f * 100).toFixed(0).padStart(3)}% ` +
    `${formatBytes(done)} / ${formatBytes(total)} ${rate}`;
}

/** A progress bar writer for stderr. */
export class ProgressBar {
  readonly #total: number | null;
  readonly #start = performance.now();
  #last = 0;
  #enc = new TextEncoder();

  constructor(total: number | null) {
    this.#total = total;
  }

  /** Redraws if 100 ms passed (or `force`). */
  update(done: number, force = false): void {
    const now = performance.now();
    if (!force && now - this.#last < 100) return;
    this.#last = now;
    const line = progressLine(done, this.#total, now - this.#start);
    Deno.stderr.writeSync(this.#enc.encode(`\r${line}\x1b[K`));
  }

  /** Final redraw and newline. */
  finish(done: number): void {
    this.update(done, true);
    Deno.stderr.writeSync(this.#enc.encode("\n"));
  }
}
