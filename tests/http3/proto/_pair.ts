// In-memory wiring of two H3Connection objects back to back: each side's
// transport queues what it sends; pump() delivers it to the other side,
// optionally in random chunks and holding back chosen streams.
import {
  H3Connection,
  type H3ConnectionOptions,
  type H3Event,
  type H3Transport,
} from "../../../http3/proto/mod.ts";

export type Wire =
  | { kind: "data"; id: number; data: Uint8Array; fin: boolean }
  | { kind: "reset"; id: number; code: number }
  | { kind: "stop"; id: number; code: number };

export class MemTransport implements H3Transport {
  out: Wire[] = [];
  closed: { code: number; reason: string } | undefined;
  nextUni: number;
  nextBidi: number;
  uniCredit = 100;
  bidiCredit = 100;
  constructor(readonly isServer: boolean) {
    this.nextUni = isServer ? 3 : 2;
    this.nextBidi = isServer ? 1 : 0;
  }
  openUniStream(): number | null {
    if (this.uniCredit-- <= 0) return null;
    const id = this.nextUni;
    this.nextUni += 4;
    return id;
  }
  openBidiStream(): number | null {
    if (this.bidiCredit-- <= 0) return null;
    const id = this.nextBidi;
    this.nextBidi += 4;
    return id;
  }
  write(id: number, data: Uint8Array, fin: boolean): void {
    this.out.push({ kind: "data", id, data: data.slice(), fin });
  }
  resetStream(id: number, code: number): void {
    this.out.push({ kind: "reset", id, code });
  }
  stopSending(id: number, code: number): void {
    this.out.push({ kind: "stop", id, code });
  }
  closeConnection(code: number, reason: string): void {
    this.closed ??= { code, reason };
  }
  /** Wire items for `id` (kept in `out`). */
  on(id: number): Wire[] {
    return this.out.filter((w) => w.id === id);
  }
}

export function deliver(to: H3Connection, w: Wire, split?: (n: number) => number): void {
  if (w.kind === "reset") return to.onStreamReset(w.id, w.code);
  if (w.kind === "stop") return to.onStopSending(w.id, w.code);
  if (!split || w.data.length < 2) return to.onStreamData(w.id, w.data, w.fin);
  let off = 0;
  while (off < w.data.length) {
    const n = Math.max(1, Math.min(w.data.length - off, split(w.data.length - off)));
    const end = off + n >= w.data.length;
    to.onStreamData(w.id, w.data.subarray(off, off + n), end && w.fin);
    off += n;
  }
}

export class Pair {
  readonly ct = new MemTransport(false);
  readonly st = new MemTransport(true);
  readonly client: H3Connection;
  readonly server: H3Connection;
  readonly clientEvents: H3Event[] = [];
  readonly serverEvents: H3Event[] = [];
  private cSent = 0;
  private sSent = 0;
  held: { w: Wire; toServer: boolean }[] = [];
  constructor(
    c: Partial<H3ConnectionOptions> = {},
    s: Partial<H3ConnectionOptions> = {},
    seed = 1,
  ) {
    let x = seed;
    const random = (n: number) => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return x % n;
    };
    this.client = new H3Connection({ role: "client", transport: this.ct, random, ...c });
    this.server = new H3Connection({ role: "server", transport: this.st, random, ...s });
    this.client.start();
    this.server.start();
  }

  /**
   * Delivers everything queued both ways until quiet. `hold(w)` true keeps a
   * wire item back (in `held`) for a later `release()`.
   */
  pump(
    opts: { hold?: (w: Wire, toServer: boolean) => boolean; split?: (n: number) => number } = {},
  ): void {
    for (let round = 0; round < 100; round++) {
      const c = this.ct.out.slice(this.cSent), s = this.st.out.slice(this.sSent);
      this.cSent = this.ct.out.length;
      this.sSent = this.st.out.length;
      if (c.length === 0 && s.length === 0) break;
      for (const w of c) {
        if (opts.hold?.(w, true)) this.held.push({ w, toServer: true });
        else deliver(this.server, w, opts.split);
      }
      for (const w of s) {
        if (opts.hold?.(w, false)) this.held.push({ w, toServer: false });
        else deliver(this.client, w, opts.split);
      }
      this.drain();
    }
    this.drain();
  }

  release(): void {
    const h = this.held;
    this.held = [];
    for (const { w, toServer } of h) deliver(toServer ? this.server : this.client, w);
    this.pump();
  }

  drain(): void {
    for (let e = this.client.pollEvent(); e; e = this.client.pollEvent()) this.clientEvents.push(e);
    for (let e = this.server.pollEvent(); e; e = this.server.pollEvent()) this.serverEvents.push(e);
  }

  takeClient(): H3Event[] {
    return this.clientEvents.splice(0);
  }
  takeServer(): H3Event[] {
    return this.serverEvents.splice(0);
  }
}

export const GET = (path = "/", extra: { name: string; value: string }[] = []) => [
  { name: ":method", value: "GET" },
  { name: ":scheme", value: "https" },
  { name: ":authority", value: "example.com" },
  { name: ":path", value: path },
  ...extra,
];

export const te = new TextEncoder();
export const td = new TextDecoder();
