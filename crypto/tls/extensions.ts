/**
 * TLS 1.3 extensions (RFC 8446 §4.2) used by QUIC: code points and the
 * encoders/decoders of the simple extension bodies (versions, groups and
 * signature lists, server_name, ALPN, cookie). The list codec is in
 * ./tls_codec.ts, key_share in ./extensions_key_share.ts and the PSK
 * extensions in ./extensions_psk.ts. Every decoder reads through a
 * bounds-checked reader whose errors are `decode_error` alerts.
 * @module
 */
import { ByteWriter } from "../../quic/proto/bytes.ts";
import {
  decodeError,
  expectEnd,
  illegalParameter,
  putVec16,
  putVec8,
  tlsReader,
  vec16,
  vec8,
} from "./tls_codec.ts";

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
