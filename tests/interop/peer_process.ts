/**
 * Runs an interop peer as a child process and reads its `READY <port>` and
 * `EV {json}` lines, with every wait bounded. Only the child we spawned is
 * ever killed (by its own handle).
 * @module
 */

/** A spawned peer. */
export class PeerProcess {
  readonly #child: Deno.ChildProcess;
  readonly #events: Record<string, unknown>[] = [];
  #waiters: (() => void)[] = [];
  #port: number | undefined;
  #exited = false;
  /** Everything the child printed (for failure messages). */
  output = "";
  /** Resolves with the exit status. */
  readonly status: Promise<Deno.CommandStatus>;

  constructor(args: string[], cwd?: string) {
    this.#child = new Deno.Command(Deno.execPath(), {
      args,
      cwd,
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
    }).spawn();
    this.status = this.#child.status.finally(() => {
      this.#exited = true;
      this.#wake();
    });
    this.#pump(this.#child.stdout, true);
    this.#pump(this.#child.stderr, false);
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const fn of w) fn();
  }

  async #pump(s: ReadableStream<Uint8Array>, parse: boolean): Promise<void> {
    const dec = new TextDecoder();
    let buf = "";
    for await (const chunk of s) {
      const text = dec.decode(chunk, { stream: true });
      this.output += text;
      if (!parse) continue;
      buf += text;
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith("READY ")) this.#port = Number(line.slice(6));
        else if (line.startsWith("EV ")) this.#events.push(JSON.parse(line.slice(3)));
        this.#wake();
      }
    }
  }

  async #until<T>(get: () => T | undefined, ms: number, what: string): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = get();
      if (v !== undefined) return v;
      if (this.#exited) throw new Error(`peer exited while waiting for ${what}:\n${this.output}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}:\n${this.output}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Waits for `READY <port>`. */
  ready(ms = 10_000): Promise<number> {
    return this.#until(() => this.#port, ms, "READY");
  }

  /** Waits for an event named `name` (optionally matching `pred`). */
  event(
    name: string,
    ms = 10_000,
    pred: (e: Record<string, unknown>) => boolean = () => true,
  ): Promise<Record<string, unknown>> {
    return this.#until(
      () => this.#events.find((e) => e.event === name && pred(e)),
      ms,
      `event ${name}`,
    );
  }

  /** Kills the child (if still running) and waits for it. */
  async stop(): Promise<void> {
    if (!this.#exited) {
      try {
        this.#child.kill("SIGTERM");
      } catch {
        // already gone
      }
    }
    await this.status;
  }
}

/** Shared with deno_peer.ts and the driver tests. */
export { pattern, readAll } from "../support/bytes.ts";

/** Rejects after `ms` with `what`. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: ReturnType<typeof setTimeout>;
  return Promise.race([
    p,
    new Promise<never>((_, rej) => {
      t = setTimeout(() => rej(new Error(`timed out: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(t));
}
