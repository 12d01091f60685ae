/**
 * Pieces of the server's first flight (RFC 8446 §4.3, §4.4.2) that depend
 * only on configuration and the negotiation result: EncryptedExtensions, the
 * CertificateRequest, and the Certificate message, which is encoded once per
 * certificate chain (the server's own chain never changes between handshakes).
 * @module
 */
import { encodeAlpn, encodeU16List, ExtensionType } from "./extensions.ts";
import {
  encodeCertificate,
  encodeCertificateRequest,
  encodeEncryptedExtensions,
} from "./messages.ts";
import { SUPPORTED_SIGNATURE_SCHEMES } from "./signature.ts";
import type { RawExtension } from "./types.ts";

/**
 * What goes into the server's EncryptedExtensions.
 *
 * @example
 * ```ts
 * import type { ServerEncryptedExtensions } from "@gquic/core/crypto";
 * const e: ServerEncryptedExtensions = { alpnProtocol: "h3", earlyDataAccepted: false };
 * console.log(e.alpnProtocol);
 * ```
 */
export interface ServerEncryptedExtensions {
  /** The selected ALPN protocol, if any (RFC 7301 §3.1). */
  alpnProtocol: string | undefined;
  /** Our QUIC transport parameters (QUIC mode only, RFC 9001 §8.2). */
  transportParameters?: Uint8Array;
  /** Whether 0-RTT was accepted (an empty early_data, RFC 8446 §4.2.10). */
  earlyDataAccepted: boolean;
  /** Test hook: rewrites the extension list. */
  customize?: (exts: RawExtension[]) => RawExtension[];
}

/**
 * Encodes the server's EncryptedExtensions message (RFC 8446 §4.3.1).
 *
 * @example
 * ```ts
 * import { encryptedExtensionsMessage } from "@gquic/core/crypto";
 * const m = encryptedExtensionsMessage({ alpnProtocol: "h3", earlyDataAccepted: false });
 * console.log(m[0]); // 8
 * ```
 */
export function encryptedExtensionsMessage(e: ServerEncryptedExtensions): Uint8Array {
  let exts: RawExtension[] = [];
  if (e.alpnProtocol !== undefined) {
    exts.push({
      type: ExtensionType.application_layer_protocol_negotiation,
      data: encodeAlpn([e.alpnProtocol]),
    });
  }
  if (e.transportParameters) {
    exts.push({ type: ExtensionType.quic_transport_parameters, data: e.transportParameters });
  }
  if (e.earlyDataAccepted) exts.push({ type: ExtensionType.early_data, data: new Uint8Array(0) });
  if (e.customize) exts = e.customize(exts);
  return encodeEncryptedExtensions(exts);
}

/**
 * The server's CertificateRequest (RFC 8446 §4.3.2): an empty context (the
 * handshake one) and the signature schemes we verify.
 *
 * @example
 * ```ts
 * import { certificateRequestMessage } from "@gquic/core/crypto";
 * console.log(certificateRequestMessage()[0]); // 13
 * ```
 */
export function certificateRequestMessage(): Uint8Array {
  return encodeCertificateRequest(new Uint8Array(0), [{
    type: ExtensionType.signature_algorithms,
    data: encodeU16List(SUPPORTED_SIGNATURE_SCHEMES, 2),
  }]);
}

// Keyed by the chain array; the DERs are compared by identity on each use in
// case the caller edits the array in place.
const certificateMessages: WeakMap<Uint8Array[], { ders: Uint8Array[]; msg: Uint8Array }> =
  new WeakMap();

/**
 * The Certificate message for `chain` with an empty context (RFC 8446
 * §4.4.2), encoded once per chain and then reused: treat it as read-only.
 *
 * @example
 * ```ts
 * import { certificateMessage } from "@gquic/core/crypto";
 * const chain = [Uint8Array.of(0x30, 0)];
 * console.log(certificateMessage(chain) === certificateMessage(chain)); // true
 * ```
 */
export function certificateMessage(chain: Uint8Array[]): Uint8Array {
  const hit = certificateMessages.get(chain);
  if (hit && hit.ders.length === chain.length && hit.ders.every((d, i) => d === chain[i])) {
    return hit.msg;
  }
  const msg = encodeCertificate(new Uint8Array(0), chain);
  certificateMessages.set(chain, { ders: chain.slice(), msg });
  return msg;
}
