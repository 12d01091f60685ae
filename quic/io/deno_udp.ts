/**
 * The only code in gquic that touches the network: a UDP socket over
 * `Deno.listenDatagram` (IPv4, IPv6 and dual-stack `::`). Keeps
 * `receiveDepth` receives outstanding, each into its own reused buffer, and
 * sends in batches without awaiting each datagram, with at most
 * `maxInFlight` sends outstanding (Deno cannot raise SO_RCVBUF, so
 * bursts beyond ~64 datagrams overflow the receiver's 208 KB default).
 * @module
 */

/**
 * A UDP address (structurally compatible with `Deno.NetAddr`).
 *
 * @example
 * ```ts
 * import type { UdpAddr } from "@gquic/core/quic";
 * const a: UdpAddr = { hostname: "127.0.0.1", port: 4433 };
 * console.log(a.port);
 * ```
 */
export interface UdpAddr {
  /** IP literal. */
  hostname: string;
  /** Port. */
  port: number;
}

/**
 * What the driver needs from a datagram socket (implemented by
 * {@link DenoUdpSocket} and by the in-memory pair used in tests).
 *
 * @example
 * ```ts
 * import type { DatagramSocket } from "@gquic/core/quic";
 * const f = (s: DatagramSocket) => s.localAddr.port;
 * console.log(typeof f);
 * ```
 */
export interface DatagramSocket {
  /** The bound address. */
  readonly localAddr: UdpAddr;
  /**
   * Waits for the next datagram. The returned bytes alias an internal buffer
   * that is reused by the next call; the address is stable. Resolves to
   * null once the socket is closed.
   */
  receive(): Promise<[Uint8Array, UdpAddr] | null>;
  /** True when another {@link send} may start now (in-flight bound). */
  readonly canSend: boolean;
  /**
   * Starts sending `data` (copied before returning) to `to` without waiting
   * for completion. Returns false when the in-flight bound is reached.
   */
  send(data: Uint8Array, to: UdpAddr): boolean;
  /** Calls `fn` once, when a send slot frees up. */
  onWritable(fn: () => void): void;
  /** Resolves when every started send has completed. */
  drain(): Promise<void>;
  /** Closes the socket (pending receives resolve to null). */
  close(): void;
}

/**
 * Options of {@link DenoUdpSocket.bind}.
 *
 * @example
 * ```ts
 * import type { UdpBindOptions } from "@gquic/core/quic";
 * const o: UdpBindOptions = { hostname: "::", port: 0, maxInFlight: 64 };
 * console.log(o.maxInFlight);
 * ```
 */
export interface UdpBindOptions {
  /** Address to bind (default "::", dual-stack). */
  hostname?: string;
  /** Port (default 0: ephemeral). */
  port?: number;
  /** Most sends outstanding at once (default 64). */
  maxInFlight?: number;
  /** Receive buffer size (default 65536, the largest UDP payload). */
  receiveBufferSize?: number;
  /**
   * Receives kept outstanding at once, each with its own buffer (default 1,
   * at most 8). Meant to let datagrams that arrive together (a peer's
   * multi-datagram flight) complete in one event-loop turn; measured on
   * loopback, 2 did not change handshake latency (traces still showed the
   * flush before the flight's second datagram was handled), so the default
   * stays 1.
   */
  receiveDepth?: number;
}

/** A completed receive: the datagram (aliasing `buf`) or the error it failed with. */
interface RecvDone {
  buf: Uint8Array;
  data?: Uint8Array;
  addr?: Deno.Addr;
  err?: unknown;
}

/** "::ffff:1.2.3.4" → "1.2.3.4" so IPv4 peers of a dual-stack socket keep one key. */
function unmapV4(hostname: string): string {
  return hostname.startsWith("::ffff:") && hostname.includes(".") ? hostname.slice(7) : hostname;
}

/**
 * A `Deno.listenDatagram` socket with a reused receive buffer and a pool of
 * send buffers (no allocation per datagram once warm).
 *
 * @example
 * ```ts ignore
 * import { DenoUdpSocket } from "@gquic/core/quic";
 * const s = DenoUdpSocket.bind({ hostname: "127.0.0.1", port: 0 });
 * s.send(new Uint8Array([1, 2, 3]), { hostname: "127.0.0.1", port: s.localAddr.port });
 * const got = await s.receive();
 * console.log(got?.[0].length); // 3
 * s.close();
 * ```
 */
export class DenoUdpSocket implements DatagramSocket {
  readonly #conn: Deno.DatagramConn;
  readonly #recvFree: Uint8Array[] = [];
  readonly #recvDepth: number;
  #recvOutstanding = 0;
  #recvHeld: Uint8Array | null = null;
  readonly #recvReady: RecvDone[] = [];
  #recvWake: (() => void) | null = null;
  readonly #maxInFlight: number;
  readonly #free: Uint8Array[] = [];
  #inFlight = 0;
  #waiters: (() => void)[] = [];
  #drainWaiters: (() => void)[] = [];
  #closed = false;
  #lastRaw: Deno.Addr | undefined;
  #lastAddr: UdpAddr = { hostname: "", port: 0 };
  /** The bound address. */
  readonly localAddr: UdpAddr;
  /** Send errors seen (e.g. ICMP unreachable); they do not stop the socket. */
  sendErrors = 0;

  private constructor(conn: Deno.DatagramConn, opts: UdpBindOptions) {
    this.#conn = conn;
    this.#recvDepth = Math.max(1, Math.min(8, opts.receiveDepth ?? 1));
    const size = opts.receiveBufferSize ?? 65536;
    // One buffer per outstanding receive plus the one the caller holds.
    for (let i = 0; i <= this.#recvDepth; i++) this.#recvFree.push(new Uint8Array(size));
    this.#maxInFlight = opts.maxInFlight ?? 64;
    const a = conn.addr as Deno.NetAddr;
    this.localAddr = { hostname: a.hostname, port: a.port };
  }

  /**
   * Binds a UDP socket (needs `--allow-net`).
   *
   * @example
   * ```ts ignore
   * import { DenoUdpSocket } from "@gquic/core/quic";
   * const s = DenoUdpSocket.bind({ hostname: "::1" });
   * console.log(s.localAddr.port > 0);
   * s.close();
   * ```
   */
  static bind(opts: UdpBindOptions = {}): DenoUdpSocket {
    const conn = Deno.listenDatagram({
      transport: "udp",
      hostname: opts.hostname ?? "::",
      port: opts.port ?? 0,
    });
    return new DenoUdpSocket(conn, opts);
  }

  /** Starts one receive into `buf`; its completion lands in the ready queue. */
  #issue(buf: Uint8Array): void {
    this.#recvOutstanding++;
    this.#conn.receive(buf).then(
      (r) => this.#recvDone({ buf, data: r[0], addr: r[1] }),
      (err) => this.#recvDone({ buf, err }),
    );
  }

  #recvDone(d: RecvDone): void {
    this.#recvOutstanding--;
    this.#recvReady.push(d);
    const w = this.#recvWake;
    if (w) {
      this.#recvWake = null;
      w();
    }
  }

  /**
   * Waits for the next datagram, in completion order. The bytes alias one of
   * the receive buffers and stay valid until the next call.
   */
  async receive(): Promise<[Uint8Array, UdpAddr] | null> {
    // The previous call's buffer is free again (the caller is done with it).
    if (this.#recvHeld) {
      this.#recvFree.push(this.#recvHeld);
      this.#recvHeld = null;
    }
    for (;;) {
      if (this.#closed) return null;
      while (this.#recvOutstanding < this.#recvDepth && this.#recvFree.length > 0) {
        this.#issue(this.#recvFree.pop()!);
      }
      const d = this.#recvReady.shift();
      if (!d) {
        await new Promise<void>((r) => this.#recvWake = r);
        continue;
      }
      if (d.err !== undefined) {
        this.#recvFree.push(d.buf);
        if (this.#closed) return null;
        // Transient errors (e.g. ECONNREFUSED surfaced on receive) do not end the socket.
        const e = d.err;
        if (
          e instanceof Deno.errors.ConnectionRefused || e instanceof Deno.errors.ConnectionReset
        ) {
          continue;
        }
        throw e;
      }
      this.#recvHeld = d.buf;
      const raw = d.addr as Deno.NetAddr;
      // Reuse the address object while the peer stays the same (the core keys on it).
      const last = this.#lastRaw as Deno.NetAddr | undefined;
      if (!last || last.port !== raw.port || last.hostname !== raw.hostname) {
        this.#lastRaw = raw;
        this.#lastAddr = { hostname: unmapV4(raw.hostname), port: raw.port };
      }
      return [d.data!, this.#lastAddr];
    }
  }

  /** True when a send slot is free. */
  get canSend(): boolean {
    return !this.#closed && this.#inFlight < this.#maxInFlight;
  }

  /** Copies `data` into a pooled buffer and starts sending it. */
  send(data: Uint8Array, to: UdpAddr): boolean {
    if (!this.canSend) return false;
    let buf = this.#free.pop();
    if (!buf || buf.length < data.length) buf = new Uint8Array(Math.max(1500, data.length));
    buf.set(data);
    this.#inFlight++;
    const pooled = buf;
    this.#conn.send(buf.subarray(0, data.length), {
      transport: "udp",
      hostname: to.hostname,
      port: to.port,
    }).catch(() => {
      this.sendErrors++;
    }).finally(() => {
      this.#inFlight--;
      // Pool at most ~1 MB (64 KB datagrams on loopback would otherwise pin 4 MB).
      if (this.#free.length < this.#maxInFlight && this.#free.length * pooled.length < 1 << 20) {
        this.#free.push(pooled);
      }
      const w = this.#waiters;
      if (w.length > 0) {
        this.#waiters = [];
        for (const fn of w) fn();
      }
      if (this.#inFlight === 0 && this.#drainWaiters.length > 0) {
        const d = this.#drainWaiters;
        this.#drainWaiters = [];
        for (const fn of d) fn();
      }
    });
    return true;
  }

  /** Calls `fn` when a send slot frees up. */
  onWritable(fn: () => void): void {
    this.#waiters.push(fn);
  }

  /** Resolves once no send is outstanding. */
  drain(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((r) => this.#drainWaiters.push(r));
  }

  /** Closes the socket. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
    for (const fn of this.#drainWaiters) fn();
    this.#drainWaiters = [];
    const w = this.#recvWake;
    this.#recvWake = null;
    w?.();
  }
}
