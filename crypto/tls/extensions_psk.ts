/**
 * The resumption extensions (RFC 8446 §4.2.9, §4.2.11): psk_key_exchange_modes
 * and pre_shared_key with its identities and binders.
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
