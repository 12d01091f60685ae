/**
 * Helpers for interop tests against ngtcp2's `gtlsserver` / `gtlsclient`
 * (Debian ngtcp2-server / ngtcp2-client 0.12): spawning them with bounded
 * waits, waiting for a bound UDP port, parsing their debug logs (handshake,
 * negotiated cipher, CONNECTION_CLOSE frames, Version Negotiation, Retry,
 * the TLS ClientHello/ServerHello they dump), and the few HTTP/3 bytes the
 * tests exchange so the peer finishes its request and closes cleanly.
 * Only processes spawned here are ever killed, by their own handle.
 * @module
 */
import { readVarInt, writeVarInt } from "../../quic/proto/varint.ts";

/** The GnuTLS priority string that enables exactly one TLS 1.3 cipher suite. */
export function ngtcp2Ciphers(suite: CipherName): string {
  return `NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+${suite}`;
}

/** The GnuTLS group string that enables exactly one key exchange group. */
export function ngtcp2Groups(group: GroupName): string {
  return `-GROUP-ALL:+GROUP-${group}`;
}

/** TLS 1.3 cipher suites as ngtcp2 names them, with their code points (RFC 8446 §B.4). */
export const CIPHERS = {
  "AES-128-GCM": 0x1301,
  "AES-256-GCM": 0x1302,
  "CHACHA20-POLY1305": 0x1303,
} as const;
/** A cipher suite name of {@link CIPHERS}. */
export type CipherName = keyof typeof CIPHERS;

/** Key exchange groups as GnuTLS names them, with their code points (RFC 8446 §4.2.7). */
export const GROUPS = { X25519: 0x001d, SECP256R1: 0x0017 } as const;
/** A group name of {@link GROUPS}. */
export type GroupName = keyof typeof GROUPS;

/** Fails (the test must not skip) when `name` is not an executable on PATH. */
export function requireBinary(name: string): string {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":").concat(["/usr/sbin", "/usr/bin"])) {
    const p = `${dir}/${name}`;
    try {
      const st = Deno.statSync(p);
      if (st.isFile && ((st.mode ?? 0o111) & 0o111) !== 0) return p;
    } catch {
      // not here
    }
  }
  throw new Error(
    `${name} not found: install Debian's ngtcp2-client / ngtcp2-server (.ci/run does)`,
  );
}

/** An ephemeral UDP port that was free a moment ago on 127.0.0.1. */
export function freeUdpPort(): number {
  const s = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const port = (s.addr as Deno.NetAddr).port;
  s.close();
  return port;
}

/** Whether some socket is bound to UDP `port` on 127.0.0.1 or the wildcard (Linux /proc). */
export function udpPortBound(port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  for (const f of ["/proc/net/udp", "/proc/net/udp6"]) {
    let text = "";
    try {
      text = Deno.readTextFileSync(f);
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const local = line.trim().split(/\s+/)[1];
      if (local?.endsWith(`:${hex}`)) return true;
    }
  }
  return false;
}

/** Sleeps `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A running ngtcp2 binary whose stdout+stderr are collected as one log. */
export class NgtcpProcess {
  readonly #child: Deno.ChildProcess;
  #exited = false;
  #wake: (() => void)[] = [];
  /** Everything the process printed so far (stdout and stderr interleaved by arrival). */
  log = "";
  /** The command line, for failure messages. */
  readonly commandLine: string;
  /** Resolves with the exit status. */
  readonly status: Promise<Deno.CommandStatus>;

  constructor(binary: string, args: string[], env: Record<string, string> = {}) {
    this.commandLine = [binary, ...args].join(" ");
    this.#child = new Deno.Command(requireBinary(binary), {
      args,
      env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const pumps = [this.#pump(this.#child.stdout), this.#pump(this.#child.stderr)];
    this.status = Promise.all([this.#child.status, ...pumps]).then(([s]) => {
      this.#exited = true;
      this.#notify();
      return s;
    });
  }

  #notify(): void {
    const w = this.#wake;
    this.#wake = [];
    for (const f of w) f();
  }

  async #pump(s: ReadableStream<Uint8Array>): Promise<void> {
    const dec = new TextDecoder();
    for await (const chunk of s) {
      this.log += dec.decode(chunk, { stream: true });
      this.#notify();
    }
  }

  /** Whether the process has exited. */
  get exited(): boolean {
    return this.#exited;
  }

  /** Waits (at most `ms`) until `pred(log)` holds; throws with the log tail otherwise. */
  async waitFor(pred: (log: string) => boolean, ms: number, what: string): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pred(this.log)) {
      const left = deadline - Date.now();
      if (left <= 0 || this.#exited) {
        // One last look: the final output may have arrived with the exit.
        if (pred(this.log)) return;
        throw new Error(
          `${this.#exited ? "exited" : "timed out"} waiting for ${what}\n$ ${this.commandLine}\n` +
            this.log.slice(-4000),
        );
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 200));
        this.#wake.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Waits (at most `ms`) for exit; returns undefined on timeout. */
  async waitExit(ms: number): Promise<Deno.CommandStatus | undefined> {
    let t: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<undefined>((r) => t = setTimeout(() => r(undefined), ms));
    try {
      return await Promise.race([this.status, timeout]);
    } finally {
      clearTimeout(t);
    }
  }

  /** Ends the process (SIGTERM, then SIGKILL after 2 s) and waits for it. */
  async stop(): Promise<void> {
    if (this.#exited) return void await this.status;
    try {
      this.#child.kill("SIGTERM");
    } catch {
      // already gone
    }
    if (await this.waitExit(2000)) return;
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await this.status;
  }
}

/**
 * Starts `gtlsserver` on 127.0.0.1 at a free port (retrying another port if
 * the first was taken meanwhile) and waits until its socket is bound.
 */
export async function startGtlsServer(
  opts: {
    key: string;
    cert: string;
    htdocs: string;
    extra?: string[];
    env?: Record<string, string>;
  },
): Promise<{ server: NgtcpProcess; port: number }> {
  let lastErr: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = freeUdpPort();
    const server = new NgtcpProcess("gtlsserver", [
      ...(opts.extra ?? []),
      "-d",
      opts.htdocs,
      "127.0.0.1",
      String(port),
      opts.key,
      opts.cert,
    ], opts.env);
    const deadline = Date.now() + 3000;
    while (!server.exited && !udpPortBound(port) && Date.now() < deadline) await sleep(10);
    if (!server.exited && udpPortBound(port)) return { server, port };
    lastErr = new Error(`gtlsserver did not bind ${port}:\n${server.log.slice(-2000)}`);
    await server.stop();
  }
  throw lastErr;
}

// ---- Log parsing (ngtcp2 0.12 examples' debug output) ----

/** A CONNECTION_CLOSE frame as ngtcp2 logs it. */
export interface LoggedClose {
  /** "rx" (received from gquic) or "tx" (sent by ngtcp2). */
  dir: "rx" | "tx";
  /** 0x1c (transport) or 0x1d (application). */
  frameType: number;
  /** The error code. */
  errorCode: number;
  /** The reason phrase. */
  reason: string;
}

/** Every CONNECTION_CLOSE frame ngtcp2 logged sending or receiving. */
export function loggedCloses(log: string): LoggedClose[] {
  const re =
    /frm (rx|tx) \d+ \S+ CONNECTION_CLOSE\((0x1[cd])\) error_code=[^\n]*?\((0x[0-9a-f]+)\) frame_type=\S+ reason_len=\d+ reason=\[([^\]\n]*)\]/g;
  return [...log.matchAll(re)].map((m) => ({
    dir: m[1] as "rx" | "tx",
    frameType: Number(m[2]),
    errorCode: Number(m[3]),
    reason: m[4],
  }));
}

/** The cipher suite ngtcp2 reports ("Negotiated cipher suite is X"), if any. */
export function loggedCipher(log: string): string | undefined {
  return /Negotiated cipher suite is (\S+)/.exec(log)?.[1];
}

/** The ALPN ngtcp2 reports, if any. */
export function loggedAlpn(log: string): string | undefined {
  return /Negotiated ALPN is (\S+)/.exec(log)?.[1];
}

/** Whether ngtcp2 reported the QUIC handshake as completed. */
export function loggedHandshakeCompleted(log: string): boolean {
  return log.includes("QUIC handshake has completed");
}

/** Versions listed by each Version Negotiation packet ngtcp2 received. */
export function loggedVersionNegotiation(log: string): number[][] {
  const out = new Map<string, number[]>();
  for (const m of log.matchAll(/(\S+) pkt rx (\d+) VN v=(0x[0-9a-f]+)/g)) {
    const k = `${m[1]}/${m[2]}`;
    if (!out.has(k)) out.set(k, []);
    out.get(k)!.push(Number(m[3]));
  }
  return [...out.values()];
}

/** QUIC versions of the long-header packets ngtcp2 sent, by packet type. */
export function loggedSentVersions(log: string, type: string): number[] {
  const re = new RegExp(`pkt tx pkn=\\d+ [^\\n]* version=(0x[0-9a-f]+) type=${type}\\b`, "g");
  return [...log.matchAll(re)].map((m) => Number(m[1]));
}

/**
 * The CRYPTO stream bytes ngtcp2 dumped as received in the Initial epoch
 * ("Ordered CRYPTO data in Initial crypto level" followed by a hexdump), in
 * order. Those are the peer's ClientHello(s) or ServerHello.
 */
export function loggedInitialCrypto(log: string): Uint8Array {
  const bytes: number[] = [];
  const lines = log.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith("Ordered CRYPTO data in Initial crypto level")) continue;
    for (let j = i + 1; j < lines.length; j++) {
      const m = /^[0-9a-f]{8} {2}((?:[0-9a-f]{2} {1,2})+)/.exec(lines[j]);
      if (!m) break;
      for (const h of m[1].trim().split(/\s+/)) bytes.push(parseInt(h, 16));
    }
  }
  return Uint8Array.from(bytes);
}

/** What the tests read out of a ClientHello or ServerHello (RFC 8446 §4.1.2, §4.1.3). */
export interface HelloSummary {
  /** 1 (ClientHello) or 2 (ServerHello, including HelloRetryRequest). */
  msgType: number;
  /** Offered cipher suites (ClientHello) or the chosen one (ServerHello). */
  cipherSuites: number[];
  /** Groups of the key_share entries (for an HRR: the requested group). */
  keyShareGroups: number[];
  /** Whether this ServerHello is a HelloRetryRequest (RFC 8446 §4.1.3 magic random). */
  isHelloRetryRequest: boolean;
}

const HRR_RANDOM = "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c";

/** Parses the ClientHello/ServerHello messages in a TLS handshake byte stream. */
export function parseHellos(data: Uint8Array): HelloSummary[] {
  const out: HelloSummary[] = [];
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let p = 0;
  while (p + 4 <= data.length) {
    const type = data[p];
    const len = (data[p + 1] << 16) | (data[p + 2] << 8) | data[p + 3];
    const end = p + 4 + len;
    if (end > data.length) break;
    if (type === 1 || type === 2) {
      let q = p + 4 + 2; // legacy_version
      const random = [...data.subarray(q, q + 32)].map((b) => b.toString(16).padStart(2, "0"))
        .join("");
      q += 32;
      q += 1 + data[q]; // legacy_session_id
      const suites: number[] = [];
      if (type === 1) {
        const n = dv.getUint16(q);
        for (let i = 0; i < n; i += 2) suites.push(dv.getUint16(q + 2 + i));
        q += 2 + n;
        q += 1 + data[q]; // legacy_compression_methods
      } else {
        suites.push(dv.getUint16(q));
        q += 3; // cipher_suite, legacy_compression_method
      }
      const isHrr = type === 2 && random === HRR_RANDOM;
      const groups: number[] = [];
      const extEnd = q + 2 + dv.getUint16(q);
      q += 2;
      while (q + 4 <= extEnd) {
        const et = dv.getUint16(q), el = dv.getUint16(q + 2);
        const body = q + 4;
        if (et === 0x33) {
          if (type === 1) {
            let r = body + 2;
            while (r + 4 <= body + el) {
              groups.push(dv.getUint16(r));
              r += 4 + dv.getUint16(r + 2);
            }
          } else groups.push(dv.getUint16(body));
        }
        q = body + el;
      }
      out.push({
        msgType: type,
        cipherSuites: suites,
        keyShareGroups: groups,
        isHelloRetryRequest: isHrr,
      });
    }
    p = end;
  }
  return out;
}

// ---- The few HTTP/3 bytes the tests need (RFC 9114 §7, RFC 9204 §4.5) ----

function frame(type: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(16 + payload.length);
  let o = writeVarInt(out, 0, type);
  o = writeVarInt(out, o, payload.length);
  out.set(payload, o);
  return out.subarray(0, o + payload.length);
}

function literalWithNameRef(staticIndex: number, value: string): number[] {
  // RFC 9204 §4.5.4: 01NT + 4-bit static name index; value without Huffman (<127 bytes).
  const v = new TextEncoder().encode(value);
  return [0x50 | staticIndex, v.length, ...v];
}

/**
 * A GET request's HEADERS frame, QPACK-encoded with the static table only
 * (:method GET = 17, :scheme https = 23, :authority = 0, :path = 1).
 */
export function h3GetRequest(authority: string, path: string): Uint8Array {
  return frame(
    0x01,
    Uint8Array.from([
      0x00,
      0x00,
      0xc0 | 17,
      0xc0 | 23,
      ...literalWithNameRef(0, authority),
      ...literalWithNameRef(1, path),
    ]),
  );
}

/** A `200` response: HEADERS (:status 200, static index 25) then one DATA frame. */
export function h3Response200(body: Uint8Array): Uint8Array {
  const h = frame(0x01, Uint8Array.of(0x00, 0x00, 0xc0 | 25));
  const d = frame(0x00, body);
  const out = new Uint8Array(h.length + d.length);
  out.set(h);
  out.set(d, h.length);
  return out;
}

/** Splits a request/response stream into its frames (types and payloads). */
export function h3Frames(data: Uint8Array): { type: number; payload: Uint8Array }[] {
  const out: { type: number; payload: Uint8Array }[] = [];
  const c = { offset: 0 };
  while (c.offset < data.length) {
    const type = readVarInt(data, c);
    const len = readVarInt(data, c);
    if (c.offset + len > data.length) throw new Error("truncated HTTP/3 frame");
    out.push({ type, payload: data.subarray(c.offset, c.offset + len) });
    c.offset += len;
  }
  return out;
}

/** The concatenated DATA payloads of a response, after checking it starts with `:status 200`. */
export function h3Body200(data: Uint8Array): Uint8Array {
  const frames = h3Frames(data).filter((f) => f.type === 0x00 || f.type === 0x01);
  if (frames[0]?.type !== 0x01) throw new Error("response does not start with HEADERS");
  // Static-only field section: prefix 00 00, then ":status 200" as static index 25.
  if (frames[0].payload[0] !== 0 || frames[0].payload[2] !== (0xc0 | 25)) {
    throw new Error(`unexpected response field section ${[...frames[0].payload.subarray(0, 4)]}`);
  }
  const parts = frames.slice(1).filter((f) => f.type === 0x00).map((f) => f.payload);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
