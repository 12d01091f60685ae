/**
 * Helpers for the HTTP/3 interop tests: run a peer binary with a deadline
 * (killing only that child, by its handle), find free UDP ports, and
 * compare files byte for byte. A missing peer is a test failure.
 * @module
 */

/** Result of a peer run. */
export interface PeerRun {
  /** Exit code (or -1 when killed on the deadline). */
  code: number;
  /** Captured stdout + stderr. */
  output: string;
  /** True if the deadline killed it. */
  timedOut: boolean;
}

/** Throws a clear error if `bin` is not on PATH (tests must fail, not skip). */
export function requirePeer(bin: string): string {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      const p = `${dir}/${bin}`;
      if (Deno.statSync(p).isFile) return p;
    } catch {
      // not here
    }
  }
  throw new Error(`interop peer ${bin} is not installed (apt-get install it; see .ci/run)`);
}

/** Runs `bin args` and waits for it, killing it after `ms`. */
export async function runPeer(
  bin: string,
  args: string[],
  ms: number,
  env?: Record<string, string>,
): Promise<PeerRun> {
  const child = new Deno.Command(requirePeer(bin), {
    args,
    env,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch {
      // already exited
    }
  }, ms);
  const out = await child.output();
  clearTimeout(timer);
  const dec = new TextDecoder();
  return {
    code: timedOut ? -1 : out.code,
    output: dec.decode(out.stdout) + dec.decode(out.stderr),
    timedOut,
  };
}

/** Starts a long-running peer; `stop()` kills exactly that child. */
export function startPeer(bin: string, args: string[]): { stop: () => Promise<string> } {
  const child = new Deno.Command(requirePeer(bin), {
    args,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const output = child.output();
  return {
    stop: async () => {
      try {
        child.kill("SIGTERM");
      } catch {
        // already exited
      }
      const o = await output;
      const dec = new TextDecoder();
      return dec.decode(o.stdout) + dec.decode(o.stderr);
    },
  };
}

/** A UDP port that was free a moment ago on 127.0.0.1. */
export function freeUdpPort(): number {
  const s = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const port = (s.addr as Deno.NetAddr).port;
  s.close();
  return port;
}

/** Asserts two byte arrays are equal, with a short message at the first difference. */
export function sameBytes(got: Uint8Array, want: Uint8Array, what: string): void {
  if (got.length !== want.length) {
    throw new Error(`${what}: ${got.length} bytes, expected ${want.length}`);
  }
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) throw new Error(`${what}: differs at byte ${i}`);
  }
}
