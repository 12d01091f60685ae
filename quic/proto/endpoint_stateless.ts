/**
 * The endpoint's stateless replies: Version Negotiation (RFC 9000 §6), Retry
 * (§8.1.2, §17.2.5) and Stateless Reset (§10.3). They hold no connection
 * state, so they are what an attacker inflates first: the queue and the
 * reset rate are bounded here. Internal to the endpoint.
 * @module
 */
import type { SocketAddr } from "./config.ts";
import type { EndpointStats, Transmit } from "./endpoint_types.ts";
import { greaseVersion } from "./version.ts";
import { encodeRetryWithoutTag, encodeVersionNegotiation } from "./header_build.ts";
import { computeRetryIntegrityTag } from "../../crypto/retry.ts";
import { buildStatelessReset, statelessResetToken } from "./stateless_reset.ts";
import { type AddressTokenKey, TokenKind } from "./address_token.ts";

/** Most stateless replies waiting for `pollTransmit`. */
const MAX_QUEUED = 64;

/** `hostname|port`, the address key bound into Retry tokens. */
export function addrKey(a: SocketAddr): string {
  return `${a.hostname}|${a.port}`;
}

/** Builds and queues stateless replies (internal to the endpoint). */
export class StatelessReplies {
  readonly #queue: Transmit[] = [];
  readonly #random: (n: number) => Uint8Array;
  readonly #stats: EndpointStats;
  readonly #resetKey: Uint8Array;
  readonly #cidLength: number;
  #resetWindowStart = 0;
  #resetsInWindow = 0;

  /**
   * @param random randomness
   * @param stats the endpoint's counters (sent replies and drops are counted)
   * @param resetKey stateless reset key
   * @param cidLength length of our connection IDs
   */
  constructor(
    random: (n: number) => Uint8Array,
    stats: EndpointStats,
    resetKey: Uint8Array,
    cidLength: number,
  ) {
    this.#random = random;
    this.#stats = stats;
    this.#resetKey = resetKey;
    this.#cidLength = cidLength;
  }

  /** The next queued reply, if any. */
  take(): Transmit | undefined {
    return this.#queue.shift();
  }

  #drop(): void {
    this.#stats.datagramsDropped++;
  }

  #push(data: Uint8Array, remote: SocketAddr): boolean {
    if (this.#queue.length >= MAX_QUEUED) return false;
    this.#queue.push({ data, remote });
    return true;
  }

  /** RFC 9000 §6.1: Version Negotiation for a (server-bound) unsupported version. */
  versionNegotiation(
    data: Uint8Array,
    dcid: Uint8Array,
    remote: SocketAddr,
    versions: readonly number[],
  ): void {
    // Only for datagrams that could be a client Initial (§6.1, §14.1).
    if (data.length < 1200) return this.#drop();
    const p = 6 + dcid.length;
    const scidLen = data[p];
    if (p + 1 + scidLen > data.length) return this.#drop();
    const scid = data.subarray(p + 1, p + 1 + scidLen);
    // RFC 9000 §6.3: add a random reserved version so clients keep ignoring
    // unknown entries, but never the client's own version: §6.2 makes the
    // client discard a VN that lists the version it chose (a fixed grease
    // value broke clients probing with that very value, e.g. 0x1a2a3a4a).
    const clientVersion = ((data[1] << 24) | (data[2] << 16) | (data[3] << 8) | data[4]) >>> 0;
    const r = this.#random(4);
    let grease = greaseVersion(((r[0] << 24) | (r[1] << 16) | (r[2] << 8) | r[3]) >>> 0);
    if (grease === clientVersion) grease = (grease ^ 0x10000000) >>> 0; // still 0x?a?a?a?a
    const vn = encodeVersionNegotiation(scid, dcid, [...versions, grease], this.#random(1)[0]);
    if (this.#push(vn, remote)) this.#stats.versionNegotiationSent++;
  }

  /** RFC 9000 §8.1.2: answer with Retry carrying an address-bound token. */
  retry(
    version: number,
    dcid: Uint8Array,
    scid: Uint8Array,
    remote: SocketAddr,
    tokens: AddressTokenKey,
    now: number,
  ): void {
    const retryScid = this.#random(this.#cidLength).slice();
    const token = tokens.seal(TokenKind.RETRY, addrKey(remote), now, dcid, retryScid);
    const body = encodeRetryWithoutTag(version, scid, retryScid, token, this.#random(1)[0]);
    const tag = computeRetryIntegrityTag(version, dcid, body);
    const pkt = new Uint8Array(body.length + tag.length);
    pkt.set(body);
    pkt.set(tag, body.length);
    if (this.#push(pkt, remote)) this.#stats.retrySent++;
  }

  /**
   * RFC 9000 §10.3: a short-header packet for an unknown connection earns a
   * stateless reset, at most `ratePerSecond` per second (§10.3.3).
   */
  statelessReset(data: Uint8Array, remote: SocketAddr, ratePerSecond: number, now: number): void {
    if (this.#cidLength === 0 || data.length < 1 + this.#cidLength) return this.#drop();
    if (now - this.#resetWindowStart >= 1000) {
      this.#resetWindowStart = now;
      this.#resetsInWindow = 0;
    }
    if (this.#resetsInWindow >= ratePerSecond) return this.#drop();
    const token = statelessResetToken(this.#resetKey, data.subarray(1, 1 + this.#cidLength));
    const reset = buildStatelessReset(token, data.length, this.#random);
    if (!reset) return this.#drop();
    if (this.#push(reset, remote)) {
      this.#resetsInWindow++;
      this.#stats.statelessResetsSent++;
    }
  }
}
