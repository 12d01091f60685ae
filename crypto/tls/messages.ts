/**
 * TLS 1.3 handshake messages (RFC 8446 §4): message types, framing, and the
 * encoders and decoders of the message bodies after the hellos (those are in
 * ./messages_hello.ts). Decoders throw `decode_error` alerts on
 * truncation and `illegal_parameter` on values the RFC forbids.
 * @module
 */
import { ByteWriter } from "../../quic/proto/bytes.ts";
import { AlertDescription, TlsAlertError } from "./alert.ts";
import {
  beginHandshakeMessage,
  decodeError,
  endHandshakeMessage,
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
} from "./tls_codec.ts";
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
  const w = beginHandshakeMessage(HandshakeType.encrypted_extensions);
  writeExtensions(w, exts);
  return endHandshakeMessage(w);
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
  const w = beginHandshakeMessage(HandshakeType.certificate_request);
  putVec8(w, context);
  writeExtensions(w, exts);
  return endHandshakeMessage(w);
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
  const w = beginHandshakeMessage(HandshakeType.certificate);
  putVec8(w, context);
  putVec24(w, list.finish());
  return endHandshakeMessage(w);
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
  const w = beginHandshakeMessage(HandshakeType.certificate_verify);
  w.u16(scheme);
  putVec16(w, signature);
  return endHandshakeMessage(w);
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
  const w = beginHandshakeMessage(HandshakeType.new_session_ticket);
  w.u32(t.lifetime);
  w.u32(t.ageAdd);
  putVec8(w, t.nonce);
  putVec16(w, t.ticket);
  writeExtensions(w, t.extensions);
  return endHandshakeMessage(w);
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
