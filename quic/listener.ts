/**
 * Server side of the API: `QuicListener` (an async iterable of incoming
 * connections, Deno's `Deno.QuicListener`) and `QuicIncoming` (accept or
 * refuse one connection attempt, Deno's `Deno.QuicIncoming`).
 * @module
 */
import type { QuicConn } from "./conn.ts";
import { coreOf } from "./proto/conn_internal.ts";
import type { QuicAcceptOptions, QuicNetAddr } from "./api_types.ts";

/**
 * A connection attempt waiting for the application's decision. The
 * handshake runs meanwhile; `accept()` resolves once it completed.
 *
 * @example
 * ```ts ignore
 * import { QuicEndpoint } from "@gquic/core/quic";
 * const ep = new QuicEndpoint({ hostname: "127.0.0.1", port: 4433 });
 * const listener = ep.listen({ cert: "...", key: "...", alpnProtocols: ["echo"] });
 * for await (const incoming of listener) {
 *   if (incoming.remoteAddr.hostname !== "127.0.0.1") incoming.refuse();
 *   else console.log((await incoming.accept()).protocol);
 * }
 * ```
 */
export class QuicIncoming {
  readonly #conn: QuicConn;
  readonly #localIp: string;
  #decided = false;

  /**
   * Created by the endpoint driver.
   * @param conn the connection being set up
   * @param localIp the local address it arrived on
   */
  constructor(conn: QuicConn, localIp: string) {
    this.#conn = conn;
    this.#localIp = localIp;
  }

  /** The local IP the attempt arrived on. */
  get localIp(): string {
    return this.#localIp;
  }

  /** The peer's UDP address (safe to read before `accept()`, unlike Deno's). */
  get remoteAddr(): QuicNetAddr {
    return this.#conn.remoteAddr;
  }

  /** Whether the peer's address was validated (by a Retry token). */
  get remoteAddressValidated(): boolean {
    return coreOf(this.#conn.core).addressValidated;
  }

  /**
   * Accepts the connection: resolves once the handshake completed, rejects
   * if it failed. Options are accepted for Deno compatibility and ignored.
   */
  accept(_options?: QuicAcceptOptions): Promise<QuicConn> {
    this.#decided = true;
    return this.#conn.handshake.then(() => this.#conn);
  }

  /** Refuses the connection with CONNECTION_REFUSED (RFC 9000 §20.1). */
  refuse(): void {
    this.#decided = true;
    this.#conn.refuse();
  }

  /**
   * Drops the attempt. The sans-IO core has already answered the Initial, so
   * this closes the connection like {@link refuse}.
   */
  ignore(): void {
    this.refuse();
  }

  /** @internal Whether accept/refuse was called. */
  get decided(): boolean {
    return this.#decided;
  }
}

/**
 * Incoming connections of a listening {@link QuicEndpoint}.
 *
 * @example
 * ```ts ignore
 * import { QuicEndpoint } from "@gquic/core/quic";
 * const ep = new QuicEndpoint({ hostname: "127.0.0.1", port: 4433 });
 * const listener = ep.listen({ cert: "...", key: "...", alpnProtocols: ["echo"] });
 * const conn = await listener.accept();
 * console.log(conn.remoteAddr);
 * listener.stop();
 * ```
 */
export class QuicListener implements AsyncIterable<QuicIncoming> {
  readonly #queue: QuicIncoming[] = [];
  #waiters: { resolve: (i: QuicIncoming) => void; reject: (e: unknown) => void }[] = [];
  #stopped = false;
  readonly #backlog: number;
  readonly #onStop: () => void;
  readonly #endpoint: import("./endpoint.ts").QuicEndpoint;

  /**
   * Created by `QuicEndpoint.listen()`.
   * @param endpoint the endpoint
   * @param backlog most queued attempts
   * @param onStop called by {@link stop}
   */
  constructor(endpoint: import("./endpoint.ts").QuicEndpoint, backlog: number, onStop: () => void) {
    this.#endpoint = endpoint;
    this.#backlog = backlog;
    this.#onStop = onStop;
  }

  /** The endpoint this listener belongs to. */
  get endpoint(): import("./endpoint.ts").QuicEndpoint {
    return this.#endpoint;
  }

  /** True once stopped. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** @internal Offers an attempt; false when the backlog is full or stopped. */
  push(i: QuicIncoming): boolean {
    if (this.#stopped) return false;
    const w = this.#waiters.shift();
    if (w) {
      w.resolve(i);
      return true;
    }
    if (this.#queue.length >= this.#backlog) return false;
    this.#queue.push(i);
    return true;
  }

  /** Resolves with the next connection attempt. */
  incoming(): Promise<QuicIncoming> {
    const i = this.#queue.shift();
    if (i) return Promise.resolve(i);
    if (this.#stopped) return Promise.reject(new Deno.errors.BadResource("listener stopped"));
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Waits for the next attempt and accepts it (skipping attempts that fail). */
  async accept(): Promise<QuicConn> {
    for (;;) {
      const i = await this.incoming();
      try {
        return await i.accept();
      } catch {
        // a failed handshake: wait for the next one
      }
    }
  }

  /** Stops accepting; queued attempts are refused. Does not close the endpoint. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const i of this.#queue.splice(0)) if (!i.decided) i.refuse();
    const err = new Deno.errors.BadResource("listener stopped");
    for (const w of this.#waiters) w.reject(err);
    this.#waiters = [];
    this.#onStop();
  }

  /** Iterates over incoming attempts until the listener stops. */
  async *[Symbol.asyncIterator](): AsyncIterableIterator<QuicIncoming> {
    while (!this.#stopped) {
      try {
        yield await this.incoming();
      } catch {
        return;
      }
    }
  }
}
