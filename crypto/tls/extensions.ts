/**
 * TLS 1.3 extensions (RFC 8446 §4.2) used by QUIC: code points, the
 * extension list codec, and encoders/decoders of each extension body.
 * Every decoder reads through a bounds-checked reader whose errors are
 * `decode_error` alerts.
 * @module
 */
import { ByteReader, ByteWriter } from "../../quic/proto/bytes.ts";
import { AlertDescription, TlsAlertError } from "./alert.ts";
import type { RawExtension } from "./types.ts";

/**
 * Extension code points (RFC 8446 §4.2, RFC 9001 §8.2, RFC 7301).
 *
 * @example
 * ```ts
 * import { ExtensionType } from "@gquic/core/crypto";
 * console.log(ExtensionType.quic_transport_parameters); // 57
 * ```
 */
export const ExtensionType = {
  server_name: 0,
  supported_groups: 10,
  signature_algorithms: 13,
  application_layer_protocol_negotiation: 16,
  pre_shared_key: 41,
  early_data: 42,
  supported_versions: 43,
  cookie: 44,
  psk_key_exchange_modes: 45,
  certificate_authorities: 47,
  signature_algorithms_cert: 50,
  key_share: 51,
  quic_transport_parameters: 57,
} as const;

/**
 * TLS 1.3's version number in supported_versions (RFC 8446 §4.2.1).
 *
 * @example
 * ```ts
 * import { TLS13_VERSION } from "@gquic/core/crypto";
 * console.log(TLS13_VERSION.toString(16)); // "304"
 * ```
 */
export const TLS13_VERSION = 0x0304;

/**
 * psk_dhe_ke (RFC 8446 §4.2.9).
 *
 * @example
 * ```ts
 * import { PSK_DHE_KE } from "@gquic/core/crypto";
 * console.log(PSK_DHE_KE); // 1
 * ```
 */
export const PSK_DHE_KE = 1;

/**
 * Builds a reader whose truncation errors are `decode_error` alerts.
 *
 * @example
 * ```ts
 * import { tlsReader } from "@gquic/core/crypto";
 * console.log(tlsReader(Uint8Array.of(1, 2)).u16()); // 258
 * ```
 */
export function tlsReader(buf: Uint8Array): ByteReader {
  return new ByteReader(
    buf,
    0,
    buf.length,
    (m) => new TlsAlertError(AlertDescription.decode_error, m),
  );
}

/**
 * Throws decode_error unless the reader is exhausted.
 *
 * @example
 * ```ts
 * import { expectEnd, tlsReader } from "@gquic/core/crypto";
 * const r = tlsReader(Uint8Array.of(1));
 * r.u8();
 * expectEnd(r, "example"); // no throw
 * ```
 */
export function expectEnd(r: ByteReader, what: string): void {
  if (r.remaining !== 0) throw decodeError(`trailing bytes in ${what}`);
}

/**
 * A decode_error alert.
 *
 * @example
 * ```ts
 * import { decodeError } from "@gquic/core/crypto";
 * console.log(decodeError("short").alert); // 50
 * ```
 */
export function decodeError(message: string): TlsAlertError {
  return new TlsAlertError(AlertDescription.decode_error, message);
}

/**
 * An illegal_parameter alert.
 *
 * @example
 * ```ts
 * import { illegalParameter } from "@gquic/core/crypto";
 * console.log(illegalParameter("bad").alert); // 47
 * ```
 */
export function illegalParameter(message: string): TlsAlertError {
  return new TlsAlertError(AlertDescription.illegal_parameter, message);
}

/**
 * Reads a vector with a 1-byte length prefix.
 *
 * @example
 * ```ts
 * import { tlsReader, vec8 } from "@gquic/core/crypto";
 * console.log(vec8(tlsReader(Uint8Array.of(1, 9)))); // Uint8Array(1) [9]
 * ```
 */
export function vec8(r: ByteReader): Uint8Array {
  return r.bytes(r.u8());
}

/**
 * Reads a vector with a 2-byte length prefix.
 *
 * @example
 * ```ts
 * import { tlsReader, vec16 } from "@gquic/core/crypto";
 * console.log(vec16(tlsReader(Uint8Array.of(0, 1, 9)))); // Uint8Array(1) [9]
 * ```
 */
export function vec16(r: ByteReader): Uint8Array {
  return r.bytes(r.u16());
}

/**
 * Reads a vector with a 3-byte length prefix.
 *
 * @example
 * ```ts
 * import { tlsReader, vec24 } from "@gquic/core/crypto";
 * console.log(vec24(tlsReader(Uint8Array.of(0, 0, 1, 9)))); // Uint8Array(1) [9]
 * ```
 */
export function vec24(r: ByteReader): Uint8Array {
  return r.bytes(r.u24());
}

/**
 * Writes `body` with a 1-byte length prefix.
 *
 * @example
 * ```ts
 * import { putVec8 } from "@gquic/core/crypto";
 * import { ByteWriter } from "@gquic/core/quic";
 * const w = new ByteWriter();
 * putVec8(w, Uint8Array.of(9));
 * console.log(w.finish()); // Uint8Array(2) [1, 9]
 * ```
 */
export function putVec8(w: ByteWriter, body: Uint8Array): void {
  if (body.length > 0xff) throw new RangeError("vector too long");
  w.u8(body.length);
  w.bytes(body);
}

/**
 * Writes `body` with a 2-byte length prefix.
 *
 * @example
 * ```ts
 * import { putVec16 } from "@gquic/core/crypto";
 * import { ByteWriter } from "@gquic/core/quic";
 * const w = new ByteWriter();
 * putVec16(w, Uint8Array.of(9));
 * console.log(w.finish()); // Uint8Array(3) [0, 1, 9]
 * ```
 */
export function putVec16(w: ByteWriter, body: Uint8Array): void {
  if (body.length > 0xffff) throw new RangeError("vector too long");
  w.u16(body.length);
  w.bytes(body);
}

/**
 * Writes `body` with a 3-byte length prefix.
 *
 * @example
 * ```ts
 * import { putVec24 } from "@gquic/core/crypto";
 * import { ByteWriter } from "@gquic/core/quic";
 * const w = new ByteWriter();
 * putVec24(w, Uint8Array.of(9));
 * console.log(w.finish()); // Uint8Array(4) [0, 0, 1, 9]
 * ```
 */
export function putVec24(w: ByteWriter, body: Uint8Array): void {
  if (body.length > 0xffffff) throw new RangeError("vector too long");
  w.u24(body.length);
  w.bytes(body);
}

/**
 * Encodes an extension list `Extension extensions<0..2^16-1>`.
 *
 * @example
 * ```ts
 * import { encodeExtensions } from "@gquic/core/crypto";
 * console.log(encodeExtensions([{ type: 0, data: new Uint8Array(0) }])); // 00 04 00 00 00 00
 * ```
 */
export function encodeExtensions(exts: RawExtension[]): Uint8Array {
  const w = new ByteWriter(64);
  writeExtensions(w, exts);
  return w.finish();
}

/**
 * Writes an extension list into `w`.
 *
 * @example
 * ```ts
 * import { writeExtensions } from "@gquic/core/crypto";
 * import { ByteWriter } from "@gquic/core/quic";
 * const w = new ByteWriter();
 * writeExtensions(w, [{ type: 0, data: new Uint8Array(0) }]);
 * console.log(w.finish().length); // 6
 * ```
 */
export function writeExtensions(w: ByteWriter, exts: RawExtension[]): void {
  let len = 0;
  for (const e of exts) len += 4 + e.data.length;
  if (len > 0xffff) throw new RangeError("extensions too long");
  w.u16(len);
  for (const e of exts) {
    w.u16(e.type);
    putVec16(w, e.data);
  }
}

/**
 * Parses an extension list body (after its length prefix was read by the
 * caller via `vec16`). Duplicate types are illegal_parameter (RFC 8446 §4.2).
 *
 * @example
 * ```ts
 * import { parseExtensions } from "@gquic/core/crypto";
 * const m = parseExtensions(Uint8Array.of(0, 16, 0, 1, 9));
 * console.log(m.get(16)); // Uint8Array(1) [9]
 * ```
 */
export function parseExtensions(body: Uint8Array): Map<number, Uint8Array> {
  const r = tlsReader(body);
  const out = new Map<number, Uint8Array>();
  while (r.remaining > 0) {
    const type = r.u16();
    const data = vec16(r);
    if (out.has(type)) throw illegalParameter(`duplicate extension ${type}`);
    out.set(type, data);
  }
  return out;
}

// --- Individual extension bodies -------------------------------------------

/**
 * Encodes a list of u16 values with a length prefix of `lenBytes`.
 *
 * @example
 * ```ts
 * import { encodeU16List } from "@gquic/core/crypto";
 * console.log(encodeU16List([0x1d], 2)); // Uint8Array(4) [0, 2, 0, 29]
 * ```
 */
export function encodeU16List(values: number[], lenBytes: 1 | 2): Uint8Array {
  const w = new ByteWriter(2 + values.length * 2);
  if (lenBytes === 1) w.u8(values.length * 2);
  else w.u16(values.length * 2);
  for (const v of values) w.u16(v);
  return w.finish();
}

/**
 * Decodes a non-empty list of u16 values with a length prefix of `lenBytes`.
 *
 * @example
 * ```ts
 * import { decodeU16List } from "@gquic/core/crypto";
 * console.log(decodeU16List(Uint8Array.of(2, 3, 4), 1, "versions")); // [772]
 * ```
 */
export function decodeU16List(data: Uint8Array, lenBytes: 1 | 2, what: string): number[] {
  const r = tlsReader(data);
  const len = lenBytes === 1 ? r.u8() : r.u16();
  if (len === 0 || len % 2 !== 0) throw decodeError(`bad ${what} length`);
  const body = tlsReader(r.bytes(len));
  expectEnd(r, what);
  const out: number[] = [];
  while (body.remaining > 0) out.push(body.u16());
  return out;
}

/**
 * server_name (RFC 6066 §3): one host_name entry.
 *
 * @example
 * ```ts
 * import { encodeServerName } from "@gquic/core/crypto";
 * console.log(encodeServerName("a").length); // 6
 * ```
 */
export function encodeServerName(name: string): Uint8Array {
  const host = new TextEncoder().encode(name);
  const w = new ByteWriter(5 + host.length);
  w.u16(3 + host.length);
  w.u8(0); // host_name
  putVec16(w, host);
  return w.finish();
}

/**
 * Decodes server_name and returns the host_name, if any.
 *
 * @example
 * ```ts
 * import { decodeServerName, encodeServerName } from "@gquic/core/crypto";
 * console.log(decodeServerName(encodeServerName("example.com"))); // "example.com"
 * ```
 */
export function decodeServerName(data: Uint8Array): string | undefined {
  const r = tlsReader(data);
  const list = tlsReader(vec16(r));
  expectEnd(r, "server_name");
  let name: string | undefined;
  while (list.remaining > 0) {
    const type = list.u8();
    const host = vec16(list);
    if (type === 0) {
      if (name !== undefined) throw illegalParameter("two host names");
      if (host.length === 0) throw decodeError("empty host name");
      name = String.fromCharCode(...host);
    }
  }
  return name;
}

/**
 * application_layer_protocol_negotiation (RFC 7301 §3.1).
 *
 * @example
 * ```ts
 * import { decodeAlpn, encodeAlpn } from "@gquic/core/crypto";
 * console.log(decodeAlpn(encodeAlpn(["h3"]))); // ["h3"]
 * ```
 */
export function encodeAlpn(protocols: string[]): Uint8Array {
  const w = new ByteWriter(32);
  const items = protocols.map((p) => new TextEncoder().encode(p));
  let len = 0;
  for (const i of items) {
    if (i.length === 0 || i.length > 255) throw new RangeError("bad ALPN protocol name");
    len += 1 + i.length;
  }
  w.u16(len);
  for (const i of items) putVec8(w, i);
  return w.finish();
}

/**
 * Decodes an ALPN protocol list (non-empty, names non-empty).
 *
 * @example
 * ```ts
 * import { decodeAlpn, encodeAlpn } from "@gquic/core/crypto";
 * console.log(decodeAlpn(encodeAlpn(["h3"]))); // ["h3"]
 * ```
 */
export function decodeAlpn(data: Uint8Array): string[] {
  const r = tlsReader(data);
  const list = tlsReader(vec16(r));
  expectEnd(r, "alpn");
  const out: string[] = [];
  while (list.remaining > 0) {
    const name = vec8(list);
    if (name.length === 0) throw decodeError("empty ALPN protocol");
    out.push(new TextDecoder().decode(name));
  }
  if (out.length === 0) throw decodeError("empty ALPN list");
  return out;
}

/**
 * A key share entry (RFC 8446 §4.2.8).
 *
 * @example
 * ```ts
 * import type { KeyShareEntry } from "@gquic/core/crypto";
 * const e: KeyShareEntry = { group: 0x1d, keyExchange: new Uint8Array(32) };
 * console.log(e.group);
 * ```
 */
export interface KeyShareEntry {
  /** Named group. */
  group: number;
  /** Public value (key_exchange). */
  keyExchange: Uint8Array;
}

/** Encodes one KeyShareEntry into `w`. */
function putKeyShare(w: ByteWriter, e: KeyShareEntry): void {
  w.u16(e.group);
  putVec16(w, e.keyExchange);
}

/**
 * key_share in ClientHello: `KeyShareEntry client_shares<0..2^16-1>`.
 *
 * @example
 * ```ts
 * import { decodeClientKeyShares, encodeClientKeyShares } from "@gquic/core/crypto";
 * const d = encodeClientKeyShares([{ group: 29, keyExchange: new Uint8Array(32) }]);
 * console.log(decodeClientKeyShares(d)[0].group); // 29
 * ```
 */
export function encodeClientKeyShares(shares: KeyShareEntry[]): Uint8Array {
  const inner = new ByteWriter(64);
  for (const s of shares) putKeyShare(inner, s);
  const w = new ByteWriter(inner.offset + 2);
  putVec16(w, inner.finish());
  return w.finish();
}

/**
 * Decodes key_share of a ClientHello; duplicate groups are illegal_parameter.
 *
 * @example
 * ```ts
 * import { decodeClientKeyShares, encodeClientKeyShares } from "@gquic/core/crypto";
 * console.log(decodeClientKeyShares(encodeClientKeyShares([{ group: 0x1d, keyExchange: new Uint8Array(32) }])).length); // 1
 * ```
 */
export function decodeClientKeyShares(data: Uint8Array): KeyShareEntry[] {
  const r = tlsReader(data);
  const list = tlsReader(vec16(r));
  expectEnd(r, "key_share");
  const out: KeyShareEntry[] = [];
  while (list.remaining > 0) {
    const group = list.u16();
    const keyExchange = vec16(list);
    if (keyExchange.length === 0) throw decodeError("empty key_exchange");
    if (out.some((e) => e.group === group)) throw illegalParameter("duplicate key share group");
    out.push({ group, keyExchange });
  }
  return out;
}

/**
 * key_share in ServerHello: a single KeyShareEntry.
 *
 * @example
 * ```ts
 * import { encodeServerKeyShare } from "@gquic/core/crypto";
 * console.log(encodeServerKeyShare({ group: 0x1d, keyExchange: new Uint8Array(32) }).length); // 36
 * ```
 */
export function encodeServerKeyShare(share: KeyShareEntry): Uint8Array {
  const w = new ByteWriter(4 + share.keyExchange.length);
  putKeyShare(w, share);
  return w.finish();
}

/**
 * Decodes key_share of a ServerHello.
 *
 * @example
 * ```ts
 * import { decodeServerKeyShare, encodeServerKeyShare } from "@gquic/core/crypto";
 * console.log(decodeServerKeyShare(encodeServerKeyShare({ group: 0x1d, keyExchange: new Uint8Array(32) })).group); // 29
 * ```
 */
export function decodeServerKeyShare(data: Uint8Array): KeyShareEntry {
  const r = tlsReader(data);
  const group = r.u16();
  const keyExchange = vec16(r);
  expectEnd(r, "key_share");
  if (keyExchange.length === 0) throw decodeError("empty key_exchange");
  return { group, keyExchange };
}

/**
 * key_share in HelloRetryRequest: the selected group (RFC 8446 §4.2.8).
 *
 * @example
 * ```ts
 * import { encodeU16 } from "@gquic/core/crypto";
 * console.log(encodeU16(0x0304)); // Uint8Array(2) [3, 4]
 * ```
 */
export function encodeU16(v: number): Uint8Array {
  return Uint8Array.of(v >>> 8, v & 0xff);
}

/**
 * Decodes a body that is exactly one u16.
 *
 * @example
 * ```ts
 * import { decodeU16 } from "@gquic/core/crypto";
 * console.log(decodeU16(Uint8Array.of(3, 4), "version")); // 772
 * ```
 */
export function decodeU16(data: Uint8Array, what: string): number {
  const r = tlsReader(data);
  const v = r.u16();
  expectEnd(r, what);
  return v;
}

/**
 * Decodes a body that is exactly one u32 (early_data in NewSessionTicket).
 *
 * @example
 * ```ts
 * import { decodeU32 } from "@gquic/core/crypto";
 * console.log(decodeU32(Uint8Array.of(255, 255, 255, 255), "early_data")); // 4294967295
 * ```
 */
export function decodeU32(data: Uint8Array, what: string): number {
  const r = tlsReader(data);
  const v = r.u32();
  expectEnd(r, what);
  return v;
}

/**
 * Encodes a u32 body.
 *
 * @example
 * ```ts
 * import { encodeU32 } from "@gquic/core/crypto";
 * console.log(encodeU32(1)); // Uint8Array(4) [0, 0, 0, 1]
 * ```
 */
export function encodeU32(v: number): Uint8Array {
  return Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

/**
 * cookie (RFC 8446 §4.2.2): `opaque cookie<1..2^16-1>`.
 *
 * @example
 * ```ts
 * import { encodeCookie } from "@gquic/core/crypto";
 * console.log(encodeCookie(Uint8Array.of(7))); // Uint8Array(3) [0, 1, 7]
 * ```
 */
export function encodeCookie(cookie: Uint8Array): Uint8Array {
  const w = new ByteWriter(2 + cookie.length);
  putVec16(w, cookie);
  return w.finish();
}

/**
 * Decodes a cookie extension body.
 *
 * @example
 * ```ts
 * import { decodeCookie } from "@gquic/core/crypto";
 * console.log(decodeCookie(Uint8Array.of(0, 1, 7))); // Uint8Array(1) [7]
 * ```
 */
export function decodeCookie(data: Uint8Array): Uint8Array {
  const r = tlsReader(data);
  const c = vec16(r);
  expectEnd(r, "cookie");
  if (c.length === 0) throw decodeError("empty cookie");
  return c;
}

/**
 * psk_key_exchange_modes (RFC 8446 §4.2.9).
 *
 * @example
 * ```ts
 * import { decodePskModes } from "@gquic/core/crypto";
 * console.log(decodePskModes(Uint8Array.of(1, 1))); // [1]
 * ```
 */
export function decodePskModes(data: Uint8Array): number[] {
  const r = tlsReader(data);
  const modes = vec8(r);
  expectEnd(r, "psk_key_exchange_modes");
  if (modes.length === 0) throw decodeError("empty psk modes");
  return [...modes];
}

/**
 * One PSK identity of pre_shared_key (RFC 8446 §4.2.11).
 *
 * @example
 * ```ts
 * import type { PskIdentity } from "@gquic/core/crypto";
 * const id: PskIdentity = { identity: Uint8Array.of(1), obfuscatedTicketAge: 0 };
 * console.log(id.obfuscatedTicketAge);
 * ```
 */
export interface PskIdentity {
  /** The ticket. */
  identity: Uint8Array;
  /** Obfuscated ticket age. */
  obfuscatedTicketAge: number;
}

/**
 * The ClientHello pre_shared_key body.
 *
 * @example
 * ```ts
 * import type { OfferedPsks } from "@gquic/core/crypto";
 * const o: OfferedPsks = { identities: [], binders: [] };
 * console.log(o.binders.length);
 * ```
 */
export interface OfferedPsks {
  /** Identities in order. */
  identities: PskIdentity[];
  /** Binders in the same order. */
  binders: Uint8Array[];
}

/**
 * Encodes an OfferedPsks body.
 *
 * @example
 * ```ts
 * import { decodeOfferedPsks, encodeOfferedPsks } from "@gquic/core/crypto";
 * const b = encodeOfferedPsks({
 *   identities: [{ identity: Uint8Array.of(1), obfuscatedTicketAge: 7 }],
 *   binders: [new Uint8Array(32)],
 * });
 * console.log(decodeOfferedPsks(b).identities[0].obfuscatedTicketAge); // 7
 * ```
 */
export function encodeOfferedPsks(psks: OfferedPsks): Uint8Array {
  const ids = new ByteWriter(64);
  for (const id of psks.identities) {
    putVec16(ids, id.identity);
    ids.u32(id.obfuscatedTicketAge);
  }
  const binders = new ByteWriter(64);
  for (const b of psks.binders) putVec8(binders, b);
  const w = new ByteWriter(ids.offset + binders.offset + 4);
  putVec16(w, ids.finish());
  putVec16(w, binders.finish());
  return w.finish();
}

/**
 * Length of the binders list (with its 2-byte prefix) in an OfferedPsks body.
 *
 * @example
 * ```ts
 * import { bindersLength } from "@gquic/core/crypto";
 * console.log(bindersLength([new Uint8Array(32)])); // 35
 * ```
 */
export function bindersLength(binders: Uint8Array[]): number {
  let n = 2;
  for (const b of binders) n += 1 + b.length;
  return n;
}

/**
 * Decodes an OfferedPsks body (identities and binders non-empty, counts equal).
 *
 * @example
 * ```ts
 * import { decodeOfferedPsks, encodeOfferedPsks } from "@gquic/core/crypto";
 * const b = encodeOfferedPsks({ identities: [{ identity: Uint8Array.of(1), obfuscatedTicketAge: 0 }], binders: [new Uint8Array(32)] });
 * console.log(decodeOfferedPsks(b).binders.length); // 1
 * ```
 */
export function decodeOfferedPsks(data: Uint8Array): OfferedPsks {
  const r = tlsReader(data);
  const idr = tlsReader(vec16(r));
  const br = tlsReader(vec16(r));
  expectEnd(r, "pre_shared_key");
  const identities: PskIdentity[] = [];
  while (idr.remaining > 0) {
    const identity = vec16(idr);
    if (identity.length === 0) throw decodeError("empty PSK identity");
    identities.push({ identity, obfuscatedTicketAge: idr.u32() });
  }
  const binders: Uint8Array[] = [];
  while (br.remaining > 0) {
    const b = vec8(br);
    if (b.length < 32) throw decodeError("short PSK binder");
    binders.push(b);
  }
  if (identities.length === 0) throw decodeError("no PSK identities");
  if (identities.length !== binders.length) throw illegalParameter("PSK binder count mismatch");
  return { identities, binders };
}

/**
 * GREASE code points (RFC 8701): 0x?A?A with both bytes equal.
 *
 * @example
 * ```ts
 * import { isGrease } from "@gquic/core/crypto";
 * console.log(isGrease(0x2a2a), isGrease(0x1301)); // true false
 * ```
 */
export function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && (v >> 8) === (v & 0xff);
}
