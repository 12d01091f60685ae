/**
 * The TLS presentation-language codec (RFC 8446 §3): length-prefixed vectors,
 * extension blocks (RFC 8446 §4.2) and handshake message framing (§4), on the
 * bounds-checked reader whose truncation errors are `decode_error` alerts.
 * @module
 */
import { ByteReader, ByteWriter } from "../../quic/proto/bytes.ts";
import { AlertDescription, TlsAlertError } from "./alert.ts";
import type { RawExtension } from "./types.ts";

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

/**
 * Starts a handshake message (RFC 8446 §4): `msg_type`, then a 3-byte length
 * that {@link endHandshakeMessage} fills in.
 *
 * @example
 * ```ts
 * import { beginHandshakeMessage, endHandshakeMessage } from "@gquic/core/crypto";
 * const w = beginHandshakeMessage(20);
 * w.bytes(new Uint8Array(32));
 * console.log(endHandshakeMessage(w).length); // 36
 * ```
 */
export function beginHandshakeMessage(type: number): ByteWriter {
  const w = new ByteWriter(256);
  w.u8(type);
  w.u24(0);
  return w;
}

/**
 * Finishes a message started by {@link beginHandshakeMessage}: writes the
 * body length and returns a copy of the whole message.
 *
 * @example
 * ```ts
 * import { beginHandshakeMessage, endHandshakeMessage } from "@gquic/core/crypto";
 * console.log(endHandshakeMessage(beginHandshakeMessage(8))); // Uint8Array(4) [8, 0, 0, 0]
 * ```
 */
export function endHandshakeMessage(w: ByteWriter): Uint8Array {
  const len = w.offset - 4;
  w.buf[1] = len >>> 16;
  w.buf[2] = (len >>> 8) & 0xff;
  w.buf[3] = len & 0xff;
  return w.finish().slice();
}
