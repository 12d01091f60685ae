/**
 * The hello messages (RFC 8446 §4.1): ClientHello, and ServerHello with its
 * HelloRetryRequest form. Decoders throw `decode_error` alerts on truncation
 * and `illegal_parameter` on values the RFC forbids.
 * @module
 */
import {
  beginHandshakeMessage,
  decodeError,
  endHandshakeMessage,
  expectEnd,
  illegalParameter,
  parseExtensions,
  putVec8,
  tlsReader,
  vec16,
  vec8,
  writeExtensions,
} from "./tls_codec.ts";
import type { RawExtension } from "./types.ts";
import { HandshakeType, HRR_RANDOM } from "./messages.ts";

/**
 * A ClientHello.
 *
 * @example
 * ```ts
 * import type { ClientHello } from "@gquic/core/crypto";
 * const ch: ClientHello = {
 *   random: new Uint8Array(32), sessionId: new Uint8Array(0), cipherSuites: [0x1301], extensions: [],
 * };
 * console.log(ch.cipherSuites);
 * ```
 */
export interface ClientHello {
  /** 32 random bytes. */
  random: Uint8Array;
  /** legacy_session_id (empty in QUIC, RFC 9001 §8.4). */
  sessionId: Uint8Array;
  /** Offered cipher suites. */
  cipherSuites: number[];
  /** Extensions in wire order. */
  extensions: RawExtension[];
}

/**
 * Encodes a ClientHello handshake message (with its 4-byte header).
 *
 * @example
 * ```ts
 * import { decodeClientHello, encodeClientHello } from "@gquic/core/crypto";
 * const m = encodeClientHello({
 *   random: new Uint8Array(32), sessionId: new Uint8Array(0), cipherSuites: [0x1301], extensions: [],
 * });
 * console.log(decodeClientHello(m.subarray(4)).cipherSuites); // [4865]
 * ```
 */
export function encodeClientHello(ch: ClientHello): Uint8Array {
  const w = beginHandshakeMessage(HandshakeType.client_hello);
  w.u16(0x0303);
  w.bytes(ch.random);
  putVec8(w, ch.sessionId);
  w.u16(ch.cipherSuites.length * 2);
  for (const s of ch.cipherSuites) w.u16(s);
  w.u8(1);
  w.u8(0); // legacy_compression_methods = [null]
  writeExtensions(w, ch.extensions);
  return endHandshakeMessage(w);
}

/**
 * A decoded ClientHello.
 *
 * @example
 * ```ts
 * import { decodeClientHello, encodeClientHello, type ParsedClientHello } from "@gquic/core/crypto";
 * const m = encodeClientHello({ random: new Uint8Array(32), sessionId: new Uint8Array(0), cipherSuites: [0x1301], extensions: [] });
 * const ch: ParsedClientHello = decodeClientHello(m.subarray(4));
 * console.log(ch.bindersOffset); // -1
 * ```
 */
export interface ParsedClientHello {
  /** legacy_version. */
  legacyVersion: number;
  /** 32 random bytes. */
  random: Uint8Array;
  /** legacy_session_id. */
  sessionId: Uint8Array;
  /** Offered cipher suites. */
  cipherSuites: number[];
  /** Extensions by type. */
  extensions: Map<number, Uint8Array>;
  /** Extension types in wire order. */
  extensionOrder: number[];
  /**
   * Offset in the body of the pre_shared_key binders list (the truncation
   * point for binder computation, RFC 8446 §4.2.11.2), or -1.
   */
  bindersOffset: number;
}

/**
 * Decodes a ClientHello body. pre_shared_key must be last (illegal_parameter).
 *
 * @example
 * ```ts
 * import { decodeClientHello, encodeClientHello } from "@gquic/core/crypto";
 * const m = encodeClientHello({
 *   random: new Uint8Array(32), sessionId: new Uint8Array(0), cipherSuites: [0x1303], extensions: [],
 * });
 * console.log(decodeClientHello(m.subarray(4)).legacyVersion); // 771
 * ```
 */
export function decodeClientHello(body: Uint8Array): ParsedClientHello {
  const r = tlsReader(body);
  const legacyVersion = r.u16();
  const random = r.bytes(32);
  const sessionId = vec8(r);
  if (sessionId.length > 32) throw decodeError("legacy_session_id too long");
  const suites = vec16(r);
  if (suites.length < 2 || suites.length % 2 !== 0) throw decodeError("bad cipher_suites");
  const cipherSuites: number[] = [];
  for (let i = 0; i < suites.length; i += 2) cipherSuites.push((suites[i] << 8) | suites[i + 1]);
  const compression = vec8(r);
  if (compression.length === 0) throw decodeError("empty compression methods");
  // RFC 8446 §4.1.2: exactly one byte, null.
  if (compression.length !== 1 || compression[0] !== 0) {
    throw illegalParameter("compression methods must be [null]");
  }
  const extensions = new Map<number, Uint8Array>();
  const extensionOrder: number[] = [];
  let bindersOffset = -1;
  if (r.remaining > 0) {
    const extLen = r.u16();
    r.need(extLen);
    const end = r.offset + extLen;
    while (r.offset < end) {
      const type = r.u16();
      const dataStart = r.offset + 2;
      const len = r.u16();
      if (r.offset + len > end) throw decodeError("extension overruns list");
      const data = r.bytes(len);
      if (extensions.has(type)) throw illegalParameter(`duplicate extension ${type}`);
      extensions.set(type, data);
      extensionOrder.push(type);
      if (type === 41) {
        // RFC 8446 §4.2.11: pre_shared_key MUST be the last extension.
        if (r.offset !== end) throw illegalParameter("pre_shared_key is not last");
        const idLen = (data.length >= 2) ? (data[0] << 8) | data[1] : -1;
        if (idLen < 0 || 2 + idLen > data.length) throw decodeError("bad pre_shared_key");
        bindersOffset = dataStart + 2 + idLen;
      }
    }
    expectEnd(r, "ClientHello");
  }
  return {
    legacyVersion,
    random,
    sessionId,
    cipherSuites,
    extensions,
    extensionOrder,
    bindersOffset,
  };
}

/**
 * A ServerHello or HelloRetryRequest (random = HRR_RANDOM).
 *
 * @example
 * ```ts
 * import type { ServerHello } from "@gquic/core/crypto";
 * const sh: ServerHello = { random: new Uint8Array(32), sessionId: new Uint8Array(0), cipherSuite: 0x1301, extensions: [] };
 * console.log(sh.cipherSuite);
 * ```
 */
export interface ServerHello {
  /** 32 random bytes, or HRR_RANDOM. */
  random: Uint8Array;
  /** Echo of the client's legacy_session_id. */
  sessionId: Uint8Array;
  /** Selected cipher suite. */
  cipherSuite: number;
  /** Extensions in wire order. */
  extensions: RawExtension[];
}

/**
 * Encodes a ServerHello handshake message.
 *
 * @example
 * ```ts
 * import { decodeServerHello, encodeServerHello } from "@gquic/core/crypto";
 * const m = encodeServerHello({ random: new Uint8Array(32), sessionId: new Uint8Array(0), cipherSuite: 0x1301, extensions: [] });
 * console.log(decodeServerHello(m.subarray(4)).cipherSuite); // 4865
 * ```
 */
export function encodeServerHello(sh: ServerHello): Uint8Array {
  const w = beginHandshakeMessage(HandshakeType.server_hello);
  w.u16(0x0303);
  w.bytes(sh.random);
  putVec8(w, sh.sessionId);
  w.u16(sh.cipherSuite);
  w.u8(0);
  writeExtensions(w, sh.extensions);
  return endHandshakeMessage(w);
}

/**
 * A decoded ServerHello.
 *
 * @example
 * ```ts
 * import { decodeServerHello, encodeServerHello, type ParsedServerHello } from "@gquic/core/crypto";
 * const m = encodeServerHello({ random: new Uint8Array(32), sessionId: new Uint8Array(0), cipherSuite: 0x1301, extensions: [] });
 * const sh: ParsedServerHello = decodeServerHello(m.subarray(4));
 * console.log(sh.isHelloRetryRequest); // false
 * ```
 */
export interface ParsedServerHello {
  /** legacy_version. */
  legacyVersion: number;
  /** Random (HRR_RANDOM for a HelloRetryRequest). */
  random: Uint8Array;
  /** Echoed legacy_session_id. */
  sessionId: Uint8Array;
  /** Selected suite. */
  cipherSuite: number;
  /** legacy_compression_method. */
  compression: number;
  /** Extensions by type. */
  extensions: Map<number, Uint8Array>;
  /** True for a HelloRetryRequest. */
  isHelloRetryRequest: boolean;
}

/**
 * Decodes a ServerHello body.
 *
 * @example
 * ```ts
 * import { decodeServerHello, encodeServerHello, HRR_RANDOM } from "@gquic/core/crypto";
 * const m = encodeServerHello({ random: HRR_RANDOM, sessionId: new Uint8Array(0), cipherSuite: 0x1301, extensions: [] });
 * console.log(decodeServerHello(m.subarray(4)).isHelloRetryRequest); // true
 * ```
 */
export function decodeServerHello(body: Uint8Array): ParsedServerHello {
  const r = tlsReader(body);
  const legacyVersion = r.u16();
  const random = r.bytes(32);
  const sessionId = vec8(r);
  if (sessionId.length > 32) throw decodeError("legacy_session_id too long");
  const cipherSuite = r.u16();
  const compression = r.u8();
  const extensions = parseExtensions(vec16(r));
  expectEnd(r, "ServerHello");
  let hrr = true;
  for (let i = 0; i < 32; i++) if (random[i] !== HRR_RANDOM[i]) hrr = false;
  return {
    legacyVersion,
    random,
    sessionId,
    cipherSuite,
    compression,
    extensions,
    isHelloRetryRequest: hrr,
  };
}
