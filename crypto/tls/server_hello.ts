/**
 * The server's ClientHello checks and ServerHello/HelloRetryRequest encoding
 * (RFC 8446 §4.1.1–§4.1.4, §4.2): the pure parts of ClientHello processing,
 * which depend only on the message and configuration, not on handshake state.
 * @module
 */
import { AlertDescription, TlsAlertError } from "./alert.ts";
import {
  decodeAlpn,
  decodeU16List,
  encodeCookie,
  encodeU16,
  ExtensionType,
  TLS13_VERSION,
} from "./extensions.ts";
import {
  decodeClientKeyShares,
  encodeServerKeyShare,
  type KeyShareEntry,
} from "./extensions_key_share.ts";
import { illegalParameter } from "./tls_codec.ts";
import { HRR_RANDOM } from "./messages.ts";
import { encodeServerHello } from "./messages_hello.ts";
import type { RawExtension } from "./types.ts";

/**
 * The missing_extension alert for a mandatory extension the peer left out.
 *
 * @example
 * ```ts
 * import { missingExtension } from "@gquic/core/crypto";
 * console.log(missingExtension("key_share").message);
 * ```
 */
export function missingExtension(what: string): TlsAlertError {
  return new TlsAlertError(AlertDescription.missing_extension, `missing ${what}`);
}

/**
 * Checks that a ClientHello offers TLS 1.3: RFC 8446 §4.2.1 negotiates it only
 * through supported_versions, and §4.1.2 requires legacy_version ≥ 0x0301.
 * Throws protocol_version otherwise.
 *
 * @example
 * ```ts
 * import { checkClientOffersTls13 } from "@gquic/core/crypto";
 * const ext = new Map([[43, Uint8Array.of(2, 0x03, 0x04)]]);
 * checkClientOffersTls13(ext, 0x0303);
 * ```
 */
export function checkClientOffersTls13(
  ext: ReadonlyMap<number, Uint8Array>,
  legacyVersion: number,
): void {
  const sv = ext.get(ExtensionType.supported_versions);
  if (!sv) throw new TlsAlertError(AlertDescription.protocol_version, "client lacks TLS 1.3");
  if (!decodeU16List(sv, 1, "supported_versions").includes(TLS13_VERSION)) {
    throw new TlsAlertError(AlertDescription.protocol_version, "client lacks TLS 1.3");
  }
  if (legacyVersion < 0x0301) {
    throw new TlsAlertError(AlertDescription.protocol_version, "bad legacy_version");
  }
}

/**
 * The client's supported groups and key shares (RFC 8446 §4.2.7, §4.2.8,
 * §9.2): both extensions are mandatory, and every share must be for an
 * offered group.
 *
 * @example
 * ```ts
 * import { clientGroupsAndShares } from "@gquic/core/crypto";
 * const ext = new Map([
 *   [10, Uint8Array.of(0, 2, 0, 29)],
 *   [51, Uint8Array.of(0, 0)],
 * ]);
 * console.log(clientGroupsAndShares(ext).groups); // [29]
 * ```
 */
export function clientGroupsAndShares(
  ext: ReadonlyMap<number, Uint8Array>,
): { groups: number[]; shares: KeyShareEntry[] } {
  const sgExt = ext.get(ExtensionType.supported_groups);
  const ksExt = ext.get(ExtensionType.key_share);
  if (!ksExt) throw missingExtension("key_share");
  if (!sgExt) throw missingExtension("supported_groups");
  const groups = decodeU16List(sgExt, 2, "supported_groups");
  const shares = decodeClientKeyShares(ksExt);
  for (const s of shares) {
    if (!groups.includes(s.group)) throw illegalParameter("key share for an unoffered group");
  }
  return { groups, shares };
}

/**
 * Picks the ALPN protocol (RFC 7301 §3.2): our first preference the client
 * offered. Returns undefined when we have no preference list, or when the
 * client sent no ALPN outside QUIC; RFC 9001 §8.1 makes ALPN mandatory in
 * QUIC. Throws no_application_protocol when there is no overlap.
 *
 * @example
 * ```ts
 * import { negotiateAlpn } from "@gquic/core/crypto";
 * const offered = Uint8Array.of(0, 3, 2, 0x68, 0x33); // ["h3"]
 * console.log(negotiateAlpn(offered, ["h3"], true)); // "h3"
 * ```
 */
export function negotiateAlpn(
  alpnExt: Uint8Array | undefined,
  ours: readonly string[],
  quic: boolean,
): string | undefined {
  if (alpnExt) {
    const theirs = decodeAlpn(alpnExt);
    if (ours.length === 0) return undefined;
    const pick = ours.find((p) => theirs.includes(p));
    if (!pick) throw new TlsAlertError(AlertDescription.no_application_protocol, "no common ALPN");
    return pick;
  }
  if (quic && ours.length > 0) {
    throw new TlsAlertError(AlertDescription.no_application_protocol, "client sent no ALPN");
  }
  return undefined;
}

/**
 * Encodes a HelloRetryRequest (RFC 8446 §4.1.4): a ServerHello with the
 * special random; `group` 0 leaves out key_share, and `cookie` adds the
 * cookie extension (§4.2.2).
 *
 * @example
 * ```ts
 * import { encodeHelloRetryRequest } from "@gquic/core/crypto";
 * const hrr = encodeHelloRetryRequest(new Uint8Array(0), 0x1301, 29, undefined);
 * console.log(hrr[0]); // 2 (server_hello)
 * ```
 */
export function encodeHelloRetryRequest(
  sessionId: Uint8Array,
  suite: number,
  group: number,
  cookie: Uint8Array | undefined,
): Uint8Array {
  const exts: RawExtension[] = [
    { type: ExtensionType.supported_versions, data: encodeU16(TLS13_VERSION) },
  ];
  if (group) exts.push({ type: ExtensionType.key_share, data: encodeU16(group) });
  if (cookie) exts.push({ type: ExtensionType.cookie, data: encodeCookie(cookie) });
  return encodeServerHello({
    random: HRR_RANDOM,
    sessionId,
    cipherSuite: suite,
    extensions: exts,
  });
}

/**
 * What the server's ServerHello carries.
 *
 * @example
 * ```ts
 * import type { ServerHelloParams } from "@gquic/core/crypto";
 * const p: ServerHelloParams = {
 *   random: new Uint8Array(32),
 *   sessionId: new Uint8Array(0),
 *   cipherSuite: 0x1301,
 *   group: 29,
 *   keyExchange: new Uint8Array(32),
 * };
 * console.log(p.group);
 * ```
 */
export interface ServerHelloParams {
  /** The 32-byte server random. */
  random: Uint8Array;
  /** Echo of the client's legacy_session_id (RFC 8446 §4.1.3). */
  sessionId: Uint8Array;
  /** The selected cipher suite. */
  cipherSuite: number;
  /** The selected key-exchange group. */
  group: number;
  /** Our key share for `group`. */
  keyExchange: Uint8Array;
  /** Index of the accepted PSK identity, when resuming (RFC 8446 §4.2.11). */
  pskIndex?: number;
}

/**
 * Encodes the ServerHello (RFC 8446 §4.1.3) with key_share,
 * supported_versions and, when resuming, pre_shared_key.
 *
 * @example
 * ```ts
 * import { serverHelloMessage } from "@gquic/core/crypto";
 * const sh = serverHelloMessage({
 *   random: new Uint8Array(32),
 *   sessionId: new Uint8Array(0),
 *   cipherSuite: 0x1301,
 *   group: 29,
 *   keyExchange: new Uint8Array(32),
 * });
 * console.log(sh[0]); // 2 (server_hello)
 * ```
 */
export function serverHelloMessage(p: ServerHelloParams): Uint8Array {
  const exts: RawExtension[] = [
    {
      type: ExtensionType.key_share,
      data: encodeServerKeyShare({ group: p.group, keyExchange: p.keyExchange }),
    },
    { type: ExtensionType.supported_versions, data: encodeU16(TLS13_VERSION) },
  ];
  if (p.pskIndex !== undefined) {
    exts.push({ type: ExtensionType.pre_shared_key, data: encodeU16(p.pskIndex) });
  }
  return encodeServerHello({
    random: p.random,
    sessionId: p.sessionId,
    cipherSuite: p.cipherSuite,
    extensions: exts,
  });
}
