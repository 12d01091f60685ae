/**
 * PEM (RFC 7468) decoding and encoding. The decoder is strict about labels
 * and Base64 and lenient about whitespace and text between blocks
 * (RFC 7468 §2 "explanatory text"). Malformed input throws
 * {@link TlsAlertError} (bad_certificate), never another error type.
 * @module
 */
import { AlertDescription, TlsAlertError } from "./alert.ts";

/**
 * One PEM block: its label (e.g. `CERTIFICATE`) and the decoded DER.
 *
 * @example
 * ```ts
 * import { decodePem, type PemBlock } from "@gquic/core/crypto";
 * const b: PemBlock[] = decodePem("-----BEGIN X-----\nAQI=\n-----END X-----\n");
 * console.log(b[0].label, b[0].der); // "X" Uint8Array(2) [1, 2]
 * ```
 */
export interface PemBlock {
  /** The label between `BEGIN ` and the dashes. */
  label: string;
  /** The Base64-decoded contents. */
  der: Uint8Array;
}

/** Upper bound on blocks per input, so a peer-supplied file cannot blow up. */
const MAX_PEM_BLOCKS = 10_000;

const B64 = new Int16Array(256).fill(-1);
for (let i = 0; i < 64; i++) {
  B64["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".charCodeAt(i)] = i;
}

function pemError(message: string): TlsAlertError {
  return new TlsAlertError(AlertDescription.bad_certificate, `malformed PEM: ${message}`);
}

/** Strict Base64 (RFC 4648 §4) decoding with whitespace skipped (RFC 7468 §3). */
function base64Decode(text: string): Uint8Array {
  const out = new Uint8Array(Math.floor((text.length * 3) / 4) + 3);
  let acc = 0, bits = 0, o = 0, pad = 0, chars = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    if (c === 0x3d) { // '='
      pad++;
      chars++;
      continue;
    }
    if (pad || c > 255 || B64[c] < 0) throw pemError("invalid Base64");
    chars++;
    acc = ((acc << 6) | B64[c]) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  if (chars % 4 !== 0 || pad > 2) throw pemError("bad Base64 length or padding");
  if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) throw pemError("non-canonical Base64");
  return out.slice(0, o);
}

/**
 * Decodes every PEM block in `text`, in order.
 *
 * @example
 * ```ts
 * import { decodePem } from "@gquic/core/crypto";
 * console.log(decodePem("junk\n-----BEGIN A-----\nAA==\n-----END A-----").length); // 1
 * ```
 */
export function decodePem(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  let pos = 0;
  for (;;) {
    const begin = text.indexOf("-----BEGIN ", pos);
    if (begin < 0) break;
    if (blocks.length >= MAX_PEM_BLOCKS) throw pemError("too many blocks");
    const labelStart = begin + 11;
    const labelEnd = text.indexOf("-----", labelStart);
    if (labelEnd < 0) throw pemError("unterminated BEGIN line");
    const label = text.slice(labelStart, labelEnd);
    // RFC 7468 §3: label characters are printable ASCII except '-', single spaces.
    if (!/^(?:[\x21-\x2c\x2e-\x7e](?:[- ]?[\x21-\x2c\x2e-\x7e])*)?$/.test(label)) {
      throw pemError(`bad label "${label.slice(0, 40)}"`);
    }
    const endMarker = `-----END ${label}-----`;
    const bodyStart = labelEnd + 5;
    const end = text.indexOf(endMarker, bodyStart);
    if (end < 0) throw pemError(`missing END ${label}`);
    const body = text.slice(bodyStart, end);
    // RFC 1421 headers (e.g. "Proc-Type: 4,ENCRYPTED") are not supported.
    if (body.includes(":")) throw pemError(`encrypted or header-carrying ${label} block`);
    blocks.push({ label, der: base64Decode(body) });
    pos = end + endMarker.length;
  }
  return blocks;
}

/**
 * Encodes DER bytes as one PEM block (64-column Base64, RFC 7468 §2).
 *
 * @example
 * ```ts
 * import { encodePem } from "@gquic/core/crypto";
 * console.log(encodePem("X", Uint8Array.of(1, 2)));
 * // "-----BEGIN X-----\nAQI=\n-----END X-----\n"
 * ```
 */
export function encodePem(label: string, der: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < der.length; i += 0x8000) {
    bin += String.fromCharCode(...der.subarray(i, i + 0x8000));
  }
  const b64 = btoa(bin);
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join("\n")}${
    lines.length ? "\n" : ""
  }-----END ${label}-----\n`;
}

/**
 * The DER of every `CERTIFICATE` block in `text` (other blocks are skipped).
 *
 * @example
 * ```ts
 * import { certificatesFromPem } from "@gquic/core/crypto";
 * console.log(certificatesFromPem("no pem here").length); // 0
 * ```
 */
export function certificatesFromPem(text: string): Uint8Array[] {
  return decodePem(text).filter((b) => b.label === "CERTIFICATE").map((b) => b.der);
}
