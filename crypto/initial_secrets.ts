/**
 * Initial secrets and keys (RFC 9001 §5.2; RFC 9369 §3.3.1 for v2).
 * @module
 */
import { QuicError, TransportErrorCode } from "../quic/proto/errors.ts";
import { CipherSuite } from "./cipher_suites.ts";
import { hkdfExpandLabel, hkdfExtract } from "./hkdf.ts";
import { createPacketKeys, type PacketKeyOptions, type PacketKeys } from "./packet_keys.ts";
import { QUIC_V1, QUIC_V2 } from "../quic/proto/version.ts";

function fromHex(s: string): Uint8Array {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

// RFC 9001 §5.2.
const SALT_V1 = fromHex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a");
// RFC 9369 §3.3.1.
const SALT_V2 = fromHex("0dede3def700a6db819381be6e269dcbf9bd2ed9");

/**
 * The initial salt of a version, or `undefined` for versions without Initial
 * packet protection here.
 *
 * @example
 * ```ts
 * import { QUIC_V1 } from "@gquic/core/quic";
 * import { initialSalt } from "@gquic/core/crypto";
 * console.log(initialSalt(QUIC_V1)?.length); // 20
 * ```
 */
export function initialSalt(version: number): Uint8Array | undefined {
  if (version === QUIC_V1) return SALT_V1.slice();
  if (version === QUIC_V2) return SALT_V2.slice();
  return undefined;
}

/**
 * The two Initial traffic secrets.
 *
 * @example
 * ```ts
 * import { QUIC_V1 } from "@gquic/core/quic";
 * import { deriveInitialSecrets, type InitialSecrets } from "@gquic/core/crypto";
 * const s: InitialSecrets = deriveInitialSecrets(QUIC_V1, new Uint8Array(8));
 * console.log(s.client.length, s.server.length); // 32 32
 * ```
 */
export interface InitialSecrets {
  /** client_initial_secret. */
  readonly client: Uint8Array;
  /** server_initial_secret. */
  readonly server: Uint8Array;
}

/**
 * Derives the Initial secrets from the Destination Connection ID of the
 * client's first Initial packet (RFC 9001 §5.2):
 * `initial_secret = HKDF-Extract(initial_salt, dcid)`, then
 * "client in" / "server in" with HKDF-Expand-Label (SHA-256, 32 bytes).
 * Unsupported versions are a caller bug: QuicError(INTERNAL_ERROR).
 *
 * @example
 * ```ts
 * import { QUIC_V2 } from "@gquic/core/quic";
 * import { deriveInitialSecrets } from "@gquic/core/crypto";
 * const dcid = new Uint8Array([0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08]);
 * console.log(deriveInitialSecrets(QUIC_V2, dcid).client[0].toString(16)); // "14"
 * ```
 */
export function deriveInitialSecrets(version: number, dcid: Uint8Array): InitialSecrets {
  const salt = initialSalt(version);
  if (salt === undefined) {
    throw new QuicError(
      TransportErrorCode.INTERNAL_ERROR,
      `no Initial salt for version 0x${version.toString(16)}`,
    );
  }
  const initialSecret = hkdfExtract("sha256", salt, dcid);
  const empty = new Uint8Array(0);
  return {
    client: hkdfExpandLabel("sha256", initialSecret, "client in", empty, 32),
    server: hkdfExpandLabel("sha256", initialSecret, "server in", empty, 32),
  };
}

/**
 * Initial packet keys of both directions.
 *
 * @example
 * ```ts
 * import { QUIC_V1 } from "@gquic/core/quic";
 * import { createInitialKeys, type InitialKeys } from "@gquic/core/crypto";
 * const k: InitialKeys = createInitialKeys(QUIC_V1, new Uint8Array(8));
 * console.log(k.client.suite, k.server.suite); // 4865 4865
 * ```
 */
export interface InitialKeys {
  /** Keys protecting packets the client sends. */
  readonly client: PacketKeys;
  /** Keys protecting packets the server sends. */
  readonly server: PacketKeys;
}

/**
 * Initial packet keys (AEAD_AES_128_GCM, RFC 9001 §5.2) of both directions
 * for the client's first Destination Connection ID. A client seals with
 * `client` and opens with `server`; a server the reverse.
 *
 * @example
 * ```ts
 * import { QUIC_V1 } from "@gquic/core/quic";
 * import { createInitialKeys } from "@gquic/core/crypto";
 * const keys = createInitialKeys(QUIC_V1, new Uint8Array(8), { impl: "noble" });
 * console.log(keys.client.hp.algorithm); // "aes-128"
 * ```
 */
export function createInitialKeys(
  version: number,
  dcid: Uint8Array,
  options: PacketKeyOptions = {},
): InitialKeys {
  const s = deriveInitialSecrets(version, dcid);
  const suite = CipherSuite.TLS_AES_128_GCM_SHA256;
  return {
    client: createPacketKeys(suite, s.client, version, options),
    server: createPacketKeys(suite, s.server, version, options),
  };
}
