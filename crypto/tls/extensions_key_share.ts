/**
 * The key_share extension bodies (RFC 8446 §4.2.8): the client's list of
 * shares, the server's single share, and (in HelloRetryRequest) just a group.
 * @module
 */
import { ByteWriter } from "../../quic/proto/bytes.ts";
import {
  decodeError,
  expectEnd,
  illegalParameter,
  putVec16,
  tlsReader,
  vec16,
} from "./tls_codec.ts";

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
