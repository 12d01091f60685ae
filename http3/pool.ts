/**
 * Connection pooling for the HTTP/3 client: one connection per origin and
 * trust setting, reused for every request until the server's GOAWAY
 * (RFC 9114 §5.2), a close, or `idleTimeout` without requests.
 * @module
 */
import { connectQuic } from "../quic/connect.ts";
import type { QuicTransportOptions } from "../quic/api_types.ts";
import type { QuicConn } from "../quic/conn.ts";
import { H3ErrorCode } from "./proto/errors.ts";
import { H3Session } from "./session.ts";
import { H3StreamError } from "./body.ts";
import { fetchWith } from "./fetch.ts";
import { type H3PushPromise, PushReceiver } from "./push_client.ts";

/**
 * How the client trusts servers and sets up connections. Trust options
 * follow `Deno.connectQuic` (`caCerts`, `serverCertificateHashes`).
 *
 * @example
 * ```ts
 * import type { H3ClientOptions } from "@gquic/core/http3";
 * const o: H3ClientOptions = { caCerts: ["-----BEGIN CERTIFICATE-----..."], idleTimeout: 5000 };
 * console.log(o.idleTimeout);
 * ```
 */
export interface H3ClientOptions extends QuicTransportOptions {
  /** PEM root certificates trusted in addition to the system store. */
  caCerts?: string[];
  /** Accept a server whose certificate's SHA-256 matches (WebTransport-style pins). */
  serverCertificateHashes?: { algorithm: "sha-256"; value: BufferSource }[];
  /** Accept ANY certificate (no protection against active attackers; local debugging only). */
  dangerouslyDisableCertificateVerification?: boolean;
  /** Bound on the QUIC handshake in ms (default 10000). */
  connectTimeout?: number;
  /** Close a pooled connection after this many ms without requests (default 2000). */
  idleTimeout?: number;
  /**
   * Server pushes allowed in flight per connection (RFC 9114 §4.6). The
   * default 0 refuses every push: the client never sends MAX_PUSH_ID, so
   * the server cannot promise any. With n > 0 the client sends
   * MAX_PUSH_ID n-1 and raises it by one as each push finishes.
   */
  maxPushes?: number;
  /**
   * Called for each push the server promises, with the promised request and
   * its response to come; return false to refuse it (CANCEL_PUSH, RFC 9114
   * §7.2.3). Without this callback every push is refused.
   */
  onPush?: (push: H3PushPromise) => boolean | void;
}

interface PoolEntry {
  session: Promise<H3Session>;
  timer?: ReturnType<typeof setTimeout>;
  settled?: H3Session;
  /** When the last exchange ended (ms); the idle timer checks it when it fires. */
  lastRelease: number;
}

/**
 * A pool of HTTP/3 connections, one per origin, with its own trust
 * settings. `fetch()` uses a shared default pool; make your own to pin
 * certificates or to close every connection with {@link H3Client.close}.
 *
 * @example
 * ```ts ignore
 * import { H3Client } from "@gquic/core/http3";
 * const client = new H3Client({ caCerts: [await Deno.readTextFile("ca.pem")] });
 * const res = await client.fetch("https://localhost:4433/");
 * console.log(res.status, await res.text());
 * client.close();
 * ```
 */
export class H3Client {
  /** The options connections are made with. */
  readonly options: H3ClientOptions;
  readonly #entries = new Map<string, PoolEntry>();

  /**
   * Creates an empty pool; connections open on first use.
   * @param options trust and connection settings
   */
  constructor(options: H3ClientOptions = {}) {
    this.options = options;
  }

  /** Number of pooled connections (open or being opened). */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * @internal
   * A usable session for `url`'s origin: the pooled one, or a new
   * connection (`fresh` forces a new one, e.g. after REQUEST_REJECTED).
   */
  async session(url: URL, fresh = false): Promise<H3Session> {
    const key = url.host;
    const e = this.#entries.get(key);
    if (e && !fresh) {
      if (!e.settled || e.settled.usable) {
        try {
          const s = await e.session;
          if (s.usable) return s;
        } catch {
          // the pending connection failed: try once more below
        }
      }
    }
    if (e && this.#entries.get(key) === e) this.#drop(key, e);
    const entry: PoolEntry = { session: this.#connect(url), lastRelease: 0 };
    this.#entries.set(key, entry);
    entry.session.then((s) => {
      entry.settled = s;
      s.closed.then(() => {
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
        if (entry.timer !== undefined) clearTimeout(entry.timer);
      });
    }, () => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    return entry.session;
  }

  /**
   * @internal
   * The pooled session for `url`'s origin when it is established and
   * usable: lets a request skip an `await` per exchange.
   */
  pooled(url: URL): H3Session | undefined {
    const s = this.#entries.get(url.host)?.settled;
    return s?.usable ? s : undefined;
  }

  /**
   * @internal Called when an exchange on `session` ended: records the time
   * and makes sure an idle timer runs. One timer per connection is re-armed
   * only when it fires (not a clear/set per request).
   */
  released(session: H3Session): void {
    if (session.active > 0) return;
    for (const [key, e] of this.#entries) {
      if (e.settled !== session) continue;
      e.lastRelease = performance.now();
      if (e.timer === undefined) this.#armIdle(key, e, this.options.idleTimeout ?? 2000);
    }
  }

  #armIdle(key: string, e: PoolEntry, ms: number): void {
    e.timer = setTimeout(() => {
      e.timer = undefined;
      if (this.#entries.get(key) !== e || e.settled?.active !== 0) return;
      const idleFor = performance.now() - e.lastRelease;
      const limit = this.options.idleTimeout ?? 2000;
      if (idleFor >= limit) this.#drop(key, e);
      else this.#armIdle(key, e, limit - idleFor);
    }, ms);
    Deno.unrefTimer(e.timer as unknown as number);
  }

  #drop(key: string, e: PoolEntry): void {
    this.#entries.delete(key);
    if (e.timer !== undefined) clearTimeout(e.timer);
    e.session.then((s) => {
      if (!s.h3.closed) s.act((h3) => h3.close(H3ErrorCode.H3_NO_ERROR, "idle"));
    }, () => {});
  }

  async #connect(url: URL): Promise<H3Session> {
    const o = this.options;
    const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
    const conn = await connectQuic({
      ...o,
      hostname: host,
      port: url.port ? Number(url.port) : 443,
      serverName: host,
      alpnProtocols: ["h3"],
      timeout: o.connectTimeout ?? 10_000,
    });
    const maxPushes = o.maxPushes ?? 0;
    const receiver = maxPushes > 0
      ? new PushReceiver(maxPushes, o.onPush, (s) => this.released(s))
      : undefined;
    try {
      const session = await H3Session.open(conn, "client", {
        maxPushes,
        onPushEvent: receiver ? (e, s) => receiver.onEvent(e, s) : undefined,
      });
      session.closed.then(() =>
        receiver?.closeAll(
          new H3StreamError(H3ErrorCode.H3_REQUEST_CANCELLED, "connection closed"),
        )
      );
      return session;
    } catch (e) {
      conn.close({ closeCode: H3ErrorCode.H3_INTERNAL_ERROR, reason: "setup failed" });
      throw e;
    }
  }

  /**
   * The QUIC connection pooled for `url`'s origin, if one is open (for
   * statistics: `getStats()`, `protocol`, `remoteAddr`).
   * @param url any URL of the origin
   */
  connectionOf(url: string | URL): QuicConn | undefined {
    const e = this.#entries.get(new URL(url).host);
    return e?.settled?.conn;
  }

  /**
   * `fetch()` through this pool (see {@link fetch}).
   * @param input URL or Request
   * @param init request options
   */
  fetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
    return fetchWith(this, input, init);
  }

  /** Closes every pooled connection (H3_NO_ERROR). */
  close(): void {
    for (const [key, e] of [...this.#entries]) this.#drop(key, e);
  }
}
