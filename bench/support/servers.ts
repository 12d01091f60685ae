/**
 * Spawns the perf servers (gquic and Deno's QUIC) as child processes for
 * the benchmarks and talks to their stdin control channel (RSS queries).
 * @module
 */
import { makeTestCerts, writeTestCerts } from "../../tests/interop/certs.ts";

const SERVER = new URL("./perf_server.ts", import.meta.url).pathname;

/** A running perf server. */
export class PerfServerProcess {
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #lines: string[] = [];
  #wake: (() => void) | undefined;
  /** The UDP port. */
  port = 0;

  constructor(impl: "gquic" | "deno", cert: string, key: string) {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--unstable-net",
        "-A",
        "--v8-flags=--expose-gc",
        SERVER,
        "--impl",
        impl,
        "--cert",
        cert,
        "--key",
        key,
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#child = child;
    this.#writer = child.stdin.getWriter();
    (async () => {
      const dec = new TextDecoder();
      let buf = "";
      for await (const c of child.stdout) {
        buf += dec.decode(c, { stream: true });
        let nl;
        while ((nl = buf.indexOf("\n")) >= 0) {
          this.#lines.push(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
          this.#wake?.();
        }
      }
    })();
  }

  async #line(prefix: string, ms = 10_000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.#lines.findIndex((l) => l.startsWith(prefix));
      if (i >= 0) return this.#lines.splice(i, 1)[0];
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`perf server: no ${prefix} line`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.#wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
  }

  /** Waits until listening. */
  async ready(): Promise<void> {
    this.port = Number((await this.#line("READY")).split(" ")[1]);
  }

  /** Server RSS in bytes (after a GC) and its connection count. */
  async rss(): Promise<{ rss: number; conns: number }> {
    await this.#writer.write(new TextEncoder().encode("gc\n"));
    await this.#line("GC");
    await this.#writer.write(new TextEncoder().encode("rss\n"));
    const [, rss, conns] = (await this.#line("RSS")).split(" ");
    return { rss: Number(rss), conns: Number(conns) };
  }

  /** Sends a control line and waits for the reply line starting with `reply`. */
  async command(line: string, reply: string, ms = 60_000): Promise<string> {
    await this.#writer.write(new TextEncoder().encode(line + "\n"));
    return await this.#line(reply, ms);
  }

  /** Stops the child (ours, by handle). */
  async stop(): Promise<void> {
    try {
      this.#child.kill("SIGTERM");
    } catch {
      // gone
    }
    await this.#child.status;
  }
}

/** Certificates in a temp dir. */
export function benchCerts(): {
  dir: string;
  cert: string;
  key: string;
  ca: string;
  caPem: string;
} {
  const dir = Deno.makeTempDirSync({ prefix: "gquic-bench-" });
  const c = makeTestCerts();
  return { dir, ...writeTestCerts(dir, c), caPem: c.caPem };
}
