/**
 * TLS 1.3 handshake messages (RFC 8446 §4): framing and the encoders and
 * decoders of each message body. Decoders throw `decode_error` alerts on
 * truncation and `illegal_parameter` on values the RFC forbids.
 * @module
 */
import { ByteWriter } from "../../quic/proto/bytes.ts";
import { AlertDescription, TlsAlertError } from "./alert.ts";
import {
  decodeError,
  expectEnd,
  illegalParameter,
  parseExtensions,
  putVec16,
  putVec24,
  putVec8,
  tlsReader,
  vec16,
  vec24,
  vec8,
  writeExtensions,
} from "./extensions.ts";
import type { RawExtension } from "./types.ts";

/**
 * Handshake message types (RFC 8446 §4).
 *
 * @example
 * ```ts
 * import { HandshakeType } from "@gquic/core/crypto";
 * console.log(HandshakeType.finished); // 20
 * ```
 */
export const HandshakeType = {
  client_hello: 1,
  server_hello: 2,
  new_session_ticket: 4,
  end_of_early_data: 5,
  encrypted_extensions: 8,
  certificate: 11,
  certificate_request: 13,
  certificate_verify: 15,
  finished: 20,
  key_update: 24,
  message_hash: 254,
} as const;

/**
 * The special ServerHello.random of a HelloRetryRequest (RFC 8446 §4.1.3).
 *
 * @example
 * ```ts
 * import { HRR_RANDOM } from "@gquic/core/crypto";
 * console.log(HRR_RANDOM[0].toString(16)); // "cf"
 * ```
 */
export const HRR_RANDOM: Uint8Array = Uint8Array.from(
  "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c".match(/../g)!.map((h) =>
    parseInt(h, 16)
  ),
);

/**
 * Frames a handshake message: `msg_type(1) length(3) body`.
 *
 * @example
 * ```ts
 * import { frameHandshake } from "@gquic/core/crypto";
 * console.log(frameHandshake(20, new Uint8Array(32)).length); // 36
 * ```
 */
export function frameHandshake(type: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  out[0] = type;
  out[1] = body.length >>> 16;
  out[2] = (body.length >>> 8) & 0xff;
  out[3] = body.length & 0xff;
  out.set(body, 4);
  return out;
}

function beginMessage(type: number): ByteWriter {
  const w = new ByteWriter(256);
  w.u8(type);
  w.u24(0);
  return w;
}

function endMessage(w: ByteWriter): Uint8Array {
  const len = w.offset - 4;
  w.buf[1] = len >>> 16;
  w.buf[2] = (len >>> 8) & 0xff;
  w.buf[3] = len & 0xff;
  return w.finish().slice();
}

// --- ClientHello (RFC 8446 §4.1.2) -------------------------------------------

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
  const w = beginMessage(HandshakeType.client_hello);
  w.u16(0x0303);
  w.bytes(ch.random);
  putVec8(w, ch.sessionId);
  w.u16(ch.cipherSuites.length * 2);
  for (const s of ch.cipherSuites) w.u16(s);
  w.u8(1);
  w.u8(0); // legacy_compression_methods = [null]
  writeExtensions(w, ch.extensions);
  return endMessage(w);
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

// --- ServerHello / HelloRetryRequest (RFC 8446 §4.1.3, §4.1.4) ---------------

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
  const w = beginMessage(HandshakeType.server_hello);
  w.u16(0x0303);
  w.bytes(sh.random);
  putVec8(w, sh.sessionId);
  w.u16(sh.cipherSuite);
  w.u8(0);
  writeExtensions(w, sh.extensions);
  return endMessage(w);
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

// --- EncryptedExtensions (RFC 8446 §4.3.1) ------------------------------------

/**
 * Encodes EncryptedExtensions.
 *
 * @example
 * ```ts
 * import { encodeEncryptedExtensions } from "@gquic/core/crypto";
 * console.log(encodeEncryptedExtensions([])); // 08 00 00 02 00 00
 * ```
 */
export function encodeEncryptedExtensions(exts: RawExtension[]): Uint8Array {
  const w = beginMessage(HandshakeType.encrypted_extensions);
  writeExtensions(w, exts);
  return endMessage(w);
}

/**
 * Decodes an EncryptedExtensions body.
 *
 * @example
 * ```ts
 * import { decodeEncryptedExtensions, encodeEncryptedExtensions } from "@gquic/core/crypto";
 * const m = encodeEncryptedExtensions([{ type: 57, data: Uint8Array.of(1) }]);
 * console.log(decodeEncryptedExtensions(m.subarray(4)).get(57)); // Uint8Array(1) [1]
 * ```
 */
export function decodeEncryptedExtensions(body: Uint8Array): Map<number, Uint8Array> {
  const r = tlsReader(body);
  const exts = parseExtensions(vec16(r));
  expectEnd(r, "EncryptedExtensions");
  return exts;
}

// --- CertificateRequest (RFC 8446 §4.3.2) -------------------------------------

/**
 * A decoded CertificateRequest.
 *
 * @example
 * ```ts
 * import { decodeCertificateRequest, encodeCertificateRequest, type CertificateRequest } from "@gquic/core/crypto";
 * const cr: CertificateRequest = decodeCertificateRequest(encodeCertificateRequest(new Uint8Array(0), []).subarray(4));
 * console.log(cr.context.length); // 0
 * ```
 */
export interface CertificateRequest {
  /** certificate_request_context (empty during the handshake). */
  context: Uint8Array;
  /** Extensions by type. */
  extensions: Map<number, Uint8Array>;
}

/**
 * Encodes a CertificateRequest.
 *
 * @example
 * ```ts
 * import { decodeCertificateRequest, encodeCertificateRequest } from "@gquic/core/crypto";
 * const m = encodeCertificateRequest(new Uint8Array(0), [{ type: 13, data: Uint8Array.of(0, 2, 8, 7) }]);
 * console.log(decodeCertificateRequest(m.subarray(4)).extensions.size); // 1
 * ```
 */
export function encodeCertificateRequest(context: Uint8Array, exts: RawExtension[]): Uint8Array {
  const w = beginMessage(HandshakeType.certificate_request);
  putVec8(w, context);
  writeExtensions(w, exts);
  return endMessage(w);
}

/**
 * Decodes a CertificateRequest body.
 *
 * @example
 * ```ts
 * import { decodeCertificateRequest, encodeCertificateRequest } from "@gquic/core/crypto";
 * console.log(decodeCertificateRequest(encodeCertificateRequest(new Uint8Array(0), []).subarray(4)).extensions.size); // 0
 * ```
 */
export function decodeCertificateRequest(body: Uint8Array): CertificateRequest {
  const r = tlsReader(body);
  const context = vec8(r);
  const extensions = parseExtensions(vec16(r));
  expectEnd(r, "CertificateRequest");
  return { context, extensions };
}

// --- Certificate (RFC 8446 §4.4.2) ---------------------------------------------

/**
 * A decoded Certificate message.
 *
 * @example
 * ```ts
 * import { type CertificateMessage, decodeCertificate, encodeCertificate } from "@gquic/core/crypto";
 * const c: CertificateMessage = decodeCertificate(encodeCertificate(new Uint8Array(0), []).subarray(4));
 * console.log(c.certificates.length); // 0
 * ```
 */
export interface CertificateMessage {
  /** certificate_request_context. */
  context: Uint8Array;
  /** DER certificates, leaf first. */
  certificates: Uint8Array[];
}

/**
 * Upper bound on certificates in one chain we accept.
 *
 * @example
 * ```ts
 * import { MAX_CHAIN_LENGTH } from "@gquic/core/crypto";
 * console.log(MAX_CHAIN_LENGTH); // 16
 * ```
 */
export const MAX_CHAIN_LENGTH = 16;

/**
 * Encodes a Certificate message (X.509 entries without extensions).
 *
 * @example
 * ```ts
 * import { decodeCertificate, encodeCertificate } from "@gquic/core/crypto";
 * const m = encodeCertificate(new Uint8Array(0), [Uint8Array.of(0x30, 0)]);
 * console.log(decodeCertificate(m.subarray(4)).certificates.length); // 1
 * ```
 */
export function encodeCertificate(context: Uint8Array, chain: Uint8Array[]): Uint8Array {
  const list = new ByteWriter(1024);
  for (const der of chain) {
    putVec24(list, der);
    list.u16(0); // no per-entry extensions
  }
  const w = beginMessage(HandshakeType.certificate);
  putVec8(w, context);
  putVec24(w, list.finish());
  return endMessage(w);
}

/**
 * Decodes a Certificate body (entries' extensions are parsed and ignored).
 *
 * @example
 * ```ts
 * import { decodeCertificate, encodeCertificate } from "@gquic/core/crypto";
 * console.log(decodeCertificate(encodeCertificate(new Uint8Array(0), [Uint8Array.of(0x30, 0)]).subarray(4)).certificates.length); // 1
 * ```
 */
export function decodeCertificate(body: Uint8Array): CertificateMessage {
  const r = tlsReader(body);
  const context = vec8(r);
  const list = tlsReader(vec24(r));
  expectEnd(r, "Certificate");
  const certificates: Uint8Array[] = [];
  while (list.remaining > 0) {
    const der = vec24(list);
    if (der.length === 0) throw decodeError("empty certificate");
    parseExtensions(vec16(list));
    if (certificates.length >= MAX_CHAIN_LENGTH) {
      throw new TlsAlertError(AlertDescription.bad_certificate, "certificate chain too long");
    }
    certificates.push(der);
  }
  return { context, certificates };
}

// --- CertificateVerify (RFC 8446 §4.4.3) ---------------------------------------

/**
 * Encodes CertificateVerify.
 *
 * @example
 * ```ts
 * import { decodeCertificateVerify, encodeCertificateVerify } from "@gquic/core/crypto";
 * const m = encodeCertificateVerify(0x0807, new Uint8Array(64));
 * console.log(decodeCertificateVerify(m.subarray(4)).scheme); // 2055
 * ```
 */
export function encodeCertificateVerify(scheme: number, signature: Uint8Array): Uint8Array {
  const w = beginMessage(HandshakeType.certificate_verify);
  w.u16(scheme);
  putVec16(w, signature);
  return endMessage(w);
}

/**
 * Decodes a CertificateVerify body.
 *
 * @example
 * ```ts
 * import { decodeCertificateVerify, encodeCertificateVerify } from "@gquic/core/crypto";
 * console.log(decodeCertificateVerify(encodeCertificateVerify(0x0403, Uint8Array.of(1)).subarray(4)).scheme); // 1027
 * ```
 */
export function decodeCertificateVerify(
  body: Uint8Array,
): { scheme: number; signature: Uint8Array } {
  const r = tlsReader(body);
  const scheme = r.u16();
  const signature = vec16(r);
  expectEnd(r, "CertificateVerify");
  if (signature.length === 0) throw decodeError("empty signature");
  return { scheme, signature };
}

// --- Finished (RFC 8446 §4.4.4) -------------------------------------------------

/**
 * Encodes Finished.
 *
 * @example
 * ```ts
 * import { encodeFinished } from "@gquic/core/crypto";
 * console.log(encodeFinished(new Uint8Array(32)).length); // 36
 * ```
 */
export function encodeFinished(verifyData: Uint8Array): Uint8Array {
  return frameHandshake(HandshakeType.finished, verifyData);
}

// --- NewSessionTicket (RFC 8446 §4.6.1) ------------------------------------------

/**
 * A NewSessionTicket.
 *
 * @example
 * ```ts
 * import type { NewSessionTicket } from "@gquic/core/crypto";
 * const t: NewSessionTicket = { lifetime: 3600, ageAdd: 1, nonce: Uint8Array.of(0), ticket: Uint8Array.of(1), extensions: [] };
 * console.log(t.lifetime);
 * ```
 */
export interface NewSessionTicket {
  /** ticket_lifetime in seconds (≤ 604800). */
  lifetime: number;
  /** ticket_age_add. */
  ageAdd: number;
  /** ticket_nonce. */
  nonce: Uint8Array;
  /** The opaque ticket. */
  ticket: Uint8Array;
  /** Extensions (early_data). */
  extensions: RawExtension[];
}

/**
 * Encodes NewSessionTicket.
 *
 * @example
 * ```ts
 * import { decodeNewSessionTicket, encodeNewSessionTicket } from "@gquic/core/crypto";
 * const m = encodeNewSessionTicket({ lifetime: 60, ageAdd: 5, nonce: Uint8Array.of(0), ticket: Uint8Array.of(9), extensions: [] });
 * console.log(decodeNewSessionTicket(m.subarray(4)).ageAdd); // 5
 * ```
 */
export function encodeNewSessionTicket(t: NewSessionTicket): Uint8Array {
  const w = beginMessage(HandshakeType.new_session_ticket);
  w.u32(t.lifetime);
  w.u32(t.ageAdd);
  putVec8(w, t.nonce);
  putVec16(w, t.ticket);
  writeExtensions(w, t.extensions);
  return endMessage(w);
}

/**
 * A decoded NewSessionTicket.
 *
 * @example
 * ```ts
 * import { decodeNewSessionTicket, encodeNewSessionTicket, type ParsedNewSessionTicket } from "@gquic/core/crypto";
 * const t: ParsedNewSessionTicket = decodeNewSessionTicket(encodeNewSessionTicket({ lifetime: 9, ageAdd: 0, nonce: Uint8Array.of(0), ticket: Uint8Array.of(1), extensions: [] }).subarray(4));
 * console.log(t.lifetime); // 9
 * ```
 */
export interface ParsedNewSessionTicket {
  /** ticket_lifetime in seconds. */
  lifetime: number;
  /** ticket_age_add. */
  ageAdd: number;
  /** ticket_nonce. */
  nonce: Uint8Array;
  /** The opaque ticket. */
  ticket: Uint8Array;
  /** Extensions by type. */
  extensions: Map<number, Uint8Array>;
}

/**
 * Decodes a NewSessionTicket body; lifetime > 7 days is illegal_parameter.
 *
 * @example
 * ```ts
 * import { decodeNewSessionTicket, encodeNewSessionTicket } from "@gquic/core/crypto";
 * const m = encodeNewSessionTicket({ lifetime: 9, ageAdd: 0, nonce: Uint8Array.of(0), ticket: Uint8Array.of(1), extensions: [] });
 * console.log(decodeNewSessionTicket(m.subarray(4)).ticket); // Uint8Array(1) [1]
 * ```
 */
export function decodeNewSessionTicket(body: Uint8Array): ParsedNewSessionTicket {
  const r = tlsReader(body);
  const lifetime = r.u32();
  const ageAdd = r.u32();
  const nonce = vec8(r);
  const ticket = vec16(r);
  const extensions = parseExtensions(vec16(r));
  expectEnd(r, "NewSessionTicket");
  if (ticket.length === 0) throw decodeError("empty ticket");
  // RFC 8446 §4.6.1: servers MUST NOT use any value greater than 604800 seconds.
  if (lifetime > 604800) throw illegalParameter("ticket lifetime over 7 days");
  return { lifetime, ageAdd, nonce, ticket, extensions };
}

/**
 * The message_hash synthetic message replacing ClientHello1 in the
 * transcript after a HelloRetryRequest (RFC 8446 §4.4.1).
 *
 * @example
 * ```ts
 * import { messageHash } from "@gquic/core/crypto";
 * console.log(messageHash(new Uint8Array(32))[0]); // 254
 * ```
 */
export function messageHash(hashOfClientHello1: Uint8Array): Uint8Array {
  return frameHandshake(HandshakeType.message_hash, hashOfClientHello1);
}

/**
 * Writes a u16-length-prefixed body (re-exported helper for message builders).
 *
 * @example
 * ```ts
 * import { vector16 } from "@gquic/core/crypto";
 * console.log(vector16(Uint8Array.of(7))); // Uint8Array(3) [0, 1, 7]
 * ```
 */
export function vector16(body: Uint8Array): Uint8Array {
  const w = new ByteWriter(body.length + 2);
  putVec16(w, body);
  return w.finish();
}
