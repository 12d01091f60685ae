/**
 * QUIC transport parameters (RFC 9000 §18, §18.2) with version_information
 * (RFC 9368 §3), max_datagram_frame_size (RFC 9221 §3) and grease_quic_bit
 * (RFC 9287 §3): encode/decode to a typed object with the RFC names in
 * camelCase, validating everything a peer controls with
 * TRANSPORT_PARAMETER_ERROR. Integer values above 2^53-1 (legal up to
 * 2^62-1 for limits) saturate at 2^53-1, which no limit can reach anyway.
 * @module
 */
import { QuicError, TransportErrorCode } from "./errors.ts";
import { ByteWriter } from "./bytes.ts";
import { VARINT_MAX, varIntLength } from "./varint.ts";
import { readVarIntBigAt, varIntLengthBig, writeVarIntBig } from "./frames/varint_ext.ts";

/**
 * Transport parameter identifiers (RFC 9000 §18.2, RFC 9368, RFC 9221,
 * RFC 9287).
 *
 * @example
 * ```ts
 * import { TransportParameterId } from "@gquic/core/quic";
 * console.log(TransportParameterId.max_idle_timeout); // 1
 * ```
 */
export const TransportParameterId = {
  original_destination_connection_id: 0x00,
  max_idle_timeout: 0x01,
  stateless_reset_token: 0x02,
  max_udp_payload_size: 0x03,
  initial_max_data: 0x04,
  initial_max_stream_data_bidi_local: 0x05,
  initial_max_stream_data_bidi_remote: 0x06,
  initial_max_stream_data_uni: 0x07,
  initial_max_streams_bidi: 0x08,
  initial_max_streams_uni: 0x09,
  ack_delay_exponent: 0x0a,
  max_ack_delay: 0x0b,
  disable_active_migration: 0x0c,
  preferred_address: 0x0d,
  active_connection_id_limit: 0x0e,
  initial_source_connection_id: 0x0f,
  retry_source_connection_id: 0x10,
  version_information: 0x11,
  max_datagram_frame_size: 0x20,
  grease_quic_bit: 0x2ab2,
} as const;

/**
 * The server's preferred address (RFC 9000 §18.2, §9.6). An all-zero
 * address and port means "no address of this family".
 *
 * @example
 * ```ts
 * import type { PreferredAddress } from "@gquic/core/quic";
 * const pa: PreferredAddress = {
 *   ipv4Address: Uint8Array.of(192, 0, 2, 1), ipv4Port: 443,
 *   ipv6Address: new Uint8Array(16), ipv6Port: 0,
 *   connectionId: Uint8Array.of(1, 2, 3, 4), statelessResetToken: new Uint8Array(16),
 * };
 * console.log(pa.ipv4Port);
 * ```
 */
export interface PreferredAddress {
  /** IPv4 address, 4 bytes, network order. */
  ipv4Address: Uint8Array;
  /** IPv4 port. */
  ipv4Port: number;
  /** IPv6 address, 16 bytes, network order. */
  ipv6Address: Uint8Array;
  /** IPv6 port. */
  ipv6Port: number;
  /** Connection ID with sequence number 1 (1–20 bytes). */
  connectionId: Uint8Array;
  /** Stateless reset token for that connection ID (16 bytes). */
  statelessResetToken: Uint8Array;
}

/**
 * The version_information parameter (RFC 9368 §3).
 *
 * @example
 * ```ts
 * import { QUIC_V1, QUIC_V2, type VersionInformation } from "@gquic/core/quic";
 * const vi: VersionInformation = { chosenVersion: QUIC_V1, availableVersions: [QUIC_V1, QUIC_V2] };
 * console.log(vi.availableVersions.length);
 * ```
 */
export interface VersionInformation {
  /** The version in use for this connection. */
  chosenVersion: number;
  /** Versions the sender supports (the server's in preference order). */
  availableVersions: number[];
}

/**
 * Decoded transport parameters; absent parameters take the RFC defaults.
 *
 * @example
 * ```ts
 * import { defaultTransportParameters, type TransportParameters } from "@gquic/core/quic";
 * const tp: TransportParameters = { ...defaultTransportParameters(), initialMaxData: 1 << 20 };
 * console.log(tp.maxUdpPayloadSize); // 65527
 * ```
 */
export interface TransportParameters {
  /** 0x00, server only: DCID of the client's first Initial. */
  originalDestinationConnectionId?: Uint8Array;
  /** 0x01: idle timeout in ms (0 = none). */
  maxIdleTimeout: number;
  /** 0x02, server only: 16-byte stateless reset token. */
  statelessResetToken?: Uint8Array;
  /** 0x03: default 65527, at least 1200. */
  maxUdpPayloadSize: number;
  /** 0x04. */
  initialMaxData: number;
  /** 0x05. */
  initialMaxStreamDataBidiLocal: number;
  /** 0x06. */
  initialMaxStreamDataBidiRemote: number;
  /** 0x07. */
  initialMaxStreamDataUni: number;
  /** 0x08: at most 2^60. */
  initialMaxStreamsBidi: number;
  /** 0x09: at most 2^60. */
  initialMaxStreamsUni: number;
  /** 0x0a: default 3, at most 20. */
  ackDelayExponent: number;
  /** 0x0b: ms, default 25, below 2^14. */
  maxAckDelay: number;
  /** 0x0c. */
  disableActiveMigration: boolean;
  /** 0x0d, server only. */
  preferredAddress?: PreferredAddress;
  /** 0x0e: default 2, at least 2. */
  activeConnectionIdLimit: number;
  /** 0x0f: SCID of the sender's first Initial (required from both). */
  initialSourceConnectionId?: Uint8Array;
  /** 0x10, server only: SCID of the Retry packet. */
  retrySourceConnectionId?: Uint8Array;
  /** 0x11 (RFC 9368). */
  versionInformation?: VersionInformation;
  /** 0x20 (RFC 9221): absent = DATAGRAM not supported. */
  maxDatagramFrameSize?: number;
  /** 0x2ab2 (RFC 9287): the sender accepts a cleared QUIC bit. */
  greaseQuicBit: boolean;
}

/**
 * Which endpoint sent a transport parameter block.
 *
 * @example
 * ```ts
 * import type { EndpointRole } from "@gquic/core/quic";
 * const role: EndpointRole = "server";
 * console.log(role);
 * ```
 */
export type EndpointRole = "client" | "server";

/**
 * The RFC 9000 §18.2 defaults (what an empty parameter block means).
 *
 * @example
 * ```ts
 * import { defaultTransportParameters } from "@gquic/core/quic";
 * console.log(defaultTransportParameters().ackDelayExponent); // 3
 * ```
 */
export function defaultTransportParameters(): TransportParameters {
  return {
    maxIdleTimeout: 0,
    maxUdpPayloadSize: 65527,
    initialMaxData: 0,
    initialMaxStreamDataBidiLocal: 0,
    initialMaxStreamDataBidiRemote: 0,
    initialMaxStreamDataUni: 0,
    initialMaxStreamsBidi: 0,
    initialMaxStreamsUni: 0,
    ackDelayExponent: 3,
    maxAckDelay: 25,
    disableActiveMigration: false,
    activeConnectionIdLimit: 2,
    greaseQuicBit: false,
  };
}

/**
 * Whether `id` is a reserved (greasing) parameter ID, 31 * N + 27
 * (RFC 9000 §18.1).
 *
 * @example
 * ```ts
 * import { isReservedTransportParameter } from "@gquic/core/quic";
 * console.log(isReservedTransportParameter(27n), isReservedTransportParameter(58n)); // true true
 * ```
 */
export function isReservedTransportParameter(id: bigint): boolean {
  return id >= 27n && (id - 27n) % 31n === 0n;
}

/**
 * The reserved parameter ID 31 * n + 27 (RFC 9000 §18.1); `n` comes from
 * the caller's random source.
 *
 * @example
 * ```ts
 * import { reservedTransportParameterId } from "@gquic/core/quic";
 * console.log(reservedTransportParameterId(1)); // 58n
 * ```
 */
export function reservedTransportParameterId(n: number): bigint {
  return 31n * BigInt(Math.floor(Math.abs(n))) + 27n;
}

/**
 * Options for {@link encodeTransportParameters}.
 *
 * @example
 * ```ts
 * import type { EncodeTransportParametersOptions } from "@gquic/core/quic";
 * const o: EncodeTransportParametersOptions = { reserved: [{ id: 27n, value: Uint8Array.of(1) }] };
 * console.log(o.reserved?.length);
 * ```
 */
export interface EncodeTransportParametersOptions {
  /** Who sends them: a client may not send server-only parameters. */
  senderRole?: EndpointRole;
  /** Reserved (greasing) parameters to add (IDs of the form 31 * N + 27). */
  reserved?: { id: bigint; value: Uint8Array }[];
}

function tpError(message: string): QuicError {
  return new QuicError(TransportErrorCode.TRANSPORT_PARAMETER_ERROR, message);
}

function internal(message: string): QuicError {
  return new QuicError(TransportErrorCode.INTERNAL_ERROR, message);
}

const ID = TransportParameterId;
const DEFAULTS = defaultTransportParameters();
const SERVER_ONLY: ReadonlySet<number> = new Set([
  ID.original_destination_connection_id,
  ID.preferred_address,
  ID.retry_source_connection_id,
  ID.stateless_reset_token,
]);

/** Integer parameters: [id, field]. */
const INT_PARAMS: readonly [number, keyof TransportParameters][] = [
  [ID.max_idle_timeout, "maxIdleTimeout"],
  [ID.max_udp_payload_size, "maxUdpPayloadSize"],
  [ID.initial_max_data, "initialMaxData"],
  [ID.initial_max_stream_data_bidi_local, "initialMaxStreamDataBidiLocal"],
  [ID.initial_max_stream_data_bidi_remote, "initialMaxStreamDataBidiRemote"],
  [ID.initial_max_stream_data_uni, "initialMaxStreamDataUni"],
  [ID.initial_max_streams_bidi, "initialMaxStreamsBidi"],
  [ID.initial_max_streams_uni, "initialMaxStreamsUni"],
  [ID.ack_delay_exponent, "ackDelayExponent"],
  [ID.max_ack_delay, "maxAckDelay"],
  [ID.active_connection_id_limit, "activeConnectionIdLimit"],
];
const INT_FIELD: ReadonlyMap<number, keyof TransportParameters> = new Map(INT_PARAMS);

function writeParam(w: ByteWriter, id: bigint | number, value: Uint8Array): void {
  const big = BigInt(id);
  w.reserve(varIntLengthBig(big) + 8 + value.length);
  w.offset = writeVarIntBig(w.buf, w.offset, big);
  w.varint(value.length);
  w.bytes(value);
}

function writeIntParam(w: ByteWriter, id: number, v: number): void {
  w.varint(id);
  w.varint(varIntLength(v));
  w.varint(v);
}

function checkCid(cid: Uint8Array, name: string, make: (m: string) => QuicError): void {
  if (cid.length > 20) throw make(`${name} longer than 20 bytes`);
}

/**
 * Encodes transport parameters (RFC 9000 §18). Integer parameters equal to
 * their default are omitted; fields left `undefined` are not sent.
 * Invalid values are our own bug: INTERNAL_ERROR.
 *
 * @example
 * ```ts
 * import { decodeTransportParameters, encodeTransportParameters } from "@gquic/core/quic";
 * const bytes = encodeTransportParameters({ initialMaxData: 1 << 20, initialSourceConnectionId: Uint8Array.of(1) });
 * console.log(decodeTransportParameters(bytes, "client").initialMaxData); // 1048576
 * ```
 */
export function encodeTransportParameters(
  params: Partial<TransportParameters>,
  options?: EncodeTransportParametersOptions,
): Uint8Array {
  const p: TransportParameters = { ...DEFAULTS, ...params };
  const w = new ByteWriter(128);
  if (options?.senderRole === "client") {
    if (
      p.originalDestinationConnectionId || p.statelessResetToken || p.preferredAddress ||
      p.retrySourceConnectionId
    ) throw internal("server-only transport parameter in client parameters");
  }
  if (p.originalDestinationConnectionId) {
    checkCid(p.originalDestinationConnectionId, "original_destination_connection_id", internal);
    writeParam(w, ID.original_destination_connection_id, p.originalDestinationConnectionId);
  }
  if (p.statelessResetToken) {
    if (p.statelessResetToken.length !== 16) throw internal("stateless reset token length");
    writeParam(w, ID.stateless_reset_token, p.statelessResetToken);
  }
  validateLimits(p, internal);
  for (const [id, field] of INT_PARAMS) {
    const v = p[field] as number;
    if (v !== DEFAULTS[field]) writeIntParam(w, id, v);
  }
  if (p.disableActiveMigration) writeParam(w, ID.disable_active_migration, new Uint8Array(0));
  if (p.preferredAddress) {
    writeParam(w, ID.preferred_address, encodePreferredAddress(p.preferredAddress));
  }
  if (p.initialSourceConnectionId) {
    checkCid(p.initialSourceConnectionId, "initial_source_connection_id", internal);
    writeParam(w, ID.initial_source_connection_id, p.initialSourceConnectionId);
  }
  if (p.retrySourceConnectionId) {
    checkCid(p.retrySourceConnectionId, "retry_source_connection_id", internal);
    writeParam(w, ID.retry_source_connection_id, p.retrySourceConnectionId);
  }
  if (p.versionInformation) {
    const vi = p.versionInformation;
    const b = new Uint8Array(4 + 4 * vi.availableVersions.length);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, vi.chosenVersion);
    vi.availableVersions.forEach((v, i) => dv.setUint32(4 + 4 * i, v));
    if (vi.chosenVersion === 0 || vi.availableVersions.includes(0)) {
      throw internal("version_information must not contain version 0");
    }
    writeParam(w, ID.version_information, b);
  }
  if (p.maxDatagramFrameSize !== undefined) {
    writeIntParam(w, ID.max_datagram_frame_size, p.maxDatagramFrameSize);
  }
  if (p.greaseQuicBit) writeParam(w, ID.grease_quic_bit, new Uint8Array(0));
  for (const r of options?.reserved ?? []) {
    if (!isReservedTransportParameter(r.id)) throw internal("not a reserved parameter ID");
    writeParam(w, r.id, r.value);
  }
  return w.finish().slice();
}

function encodePreferredAddress(pa: PreferredAddress): Uint8Array {
  if (pa.ipv4Address.length !== 4 || pa.ipv6Address.length !== 16) {
    throw internal("preferred_address address length");
  }
  if (pa.connectionId.length < 1 || pa.connectionId.length > 20) {
    throw internal("preferred_address connection ID length");
  }
  if (pa.statelessResetToken.length !== 16) throw internal("preferred_address token length");
  const b = new Uint8Array(4 + 2 + 16 + 2 + 1 + pa.connectionId.length + 16);
  b.set(pa.ipv4Address, 0);
  b[4] = pa.ipv4Port >>> 8;
  b[5] = pa.ipv4Port & 0xff;
  b.set(pa.ipv6Address, 6);
  b[22] = pa.ipv6Port >>> 8;
  b[23] = pa.ipv6Port & 0xff;
  b[24] = pa.connectionId.length;
  b.set(pa.connectionId, 25);
  b.set(pa.statelessResetToken, 25 + pa.connectionId.length);
  return b;
}

/** RFC 9000 §18.2 value ranges, shared by encode (INTERNAL_ERROR) and decode. */
function validateLimits(p: TransportParameters, make: (m: string) => QuicError): void {
  if (p.maxUdpPayloadSize < 1200) throw make("max_udp_payload_size below 1200");
  if (p.ackDelayExponent > 20) throw make("ack_delay_exponent above 20");
  if (p.maxAckDelay >= 2 ** 14) throw make("max_ack_delay of 2^14 or more");
  if (p.activeConnectionIdLimit < 2) throw make("active_connection_id_limit below 2");
}

/** 2^60 (RFC 9000 §18.2: initial_max_streams_* above it are invalid). */
const MAX_STREAMS = 1n << 60n;

function decodeInt(value: Uint8Array): bigint {
  const c = { offset: 0 };
  const v = readVarIntBigAt(value, c);
  // The varint must fill the parameter exactly (RFC 9000 §18).
  if (c.offset !== value.length) throw tpError("integer parameter length mismatch");
  return v;
}

function sat(v: bigint): number {
  return v > BigInt(VARINT_MAX) ? VARINT_MAX : Number(v);
}

function decodeCid(value: Uint8Array, name: string): Uint8Array {
  checkCid(value, name, tpError);
  return value;
}

function decodePreferredAddress(v: Uint8Array): PreferredAddress {
  // RFC 9000 §18.2: fixed 24 bytes of addresses, CID length, CID, 16-byte token.
  if (v.length < 25) throw tpError("preferred_address truncated");
  const cidLen = v[24];
  // A zero-length CID (or > 20) in preferred_address is TRANSPORT_PARAMETER_ERROR.
  if (cidLen < 1 || cidLen > 20) throw tpError("preferred_address connection ID length");
  if (v.length !== 25 + cidLen + 16) throw tpError("preferred_address length mismatch");
  return {
    ipv4Address: v.subarray(0, 4),
    ipv4Port: (v[4] << 8) | v[5],
    ipv6Address: v.subarray(6, 22),
    ipv6Port: (v[22] << 8) | v[23],
    connectionId: v.subarray(25, 25 + cidLen),
    statelessResetToken: v.subarray(25 + cidLen),
  };
}

function decodeVersionInformation(v: Uint8Array): VersionInformation {
  // RFC 9368 §3: a length that is not a positive multiple of 4, or a version
  // of 0, is a parsing failure: TRANSPORT_PARAMETER_ERROR.
  if (v.length < 4 || v.length % 4 !== 0) throw tpError("version_information length");
  const read = (i: number) => ((v[i] << 24) | (v[i + 1] << 16) | (v[i + 2] << 8) | v[i + 3]) >>> 0;
  const chosenVersion = read(0);
  const availableVersions: number[] = [];
  for (let i = 4; i < v.length; i += 4) availableVersions.push(read(i));
  if (chosenVersion === 0 || availableVersions.includes(0)) {
    throw tpError("version_information contains version 0");
  }
  return { chosenVersion, availableVersions };
}

/**
 * Decodes and validates a peer's transport parameters (RFC 9000 §18, §7.3,
 * §18.2). `senderRole` is the peer's role: a client sending a server-only
 * parameter is TRANSPORT_PARAMETER_ERROR. Also rejects duplicates, invalid
 * values, and the absence of initial_source_connection_id (and, from a
 * server, original_destination_connection_id) per RFC 9000 §7.3. Unknown and
 * reserved parameters are ignored.
 *
 * @example
 * ```ts
 * import { decodeTransportParameters } from "@gquic/core/quic";
 * // initial_source_connection_id = 0x01, max_idle_timeout = 30000
 * const tp = decodeTransportParameters(Uint8Array.of(0x0f, 1, 1, 0x01, 4, 0x80, 0, 0x75, 0x30), "client");
 * console.log(tp.maxIdleTimeout); // 30000
 * ```
 */
export function decodeTransportParameters(
  bytes: Uint8Array,
  senderRole: EndpointRole,
): TransportParameters {
  try {
    return decodeInner(bytes, senderRole);
  } catch (e) {
    if (e instanceof QuicError && e.code !== TransportErrorCode.TRANSPORT_PARAMETER_ERROR) {
      throw tpError(e.message.replace(/^[A-Z_]+: /, ""));
    }
    throw e;
  }
}

function decodeInner(bytes: Uint8Array, senderRole: EndpointRole): TransportParameters {
  const p = defaultTransportParameters();
  const seen = new Set<bigint>();
  const c = { offset: 0 };
  while (c.offset < bytes.length) {
    const idBig = readVarIntBigAt(bytes, c);
    const len = readVarIntBigAt(bytes, c);
    if (len > BigInt(bytes.length - c.offset)) throw tpError("parameter length exceeds block");
    const value = bytes.subarray(c.offset, c.offset + Number(len));
    c.offset += Number(len);
    // RFC 9000 §7.4: duplicates SHOULD be TRANSPORT_PARAMETER_ERROR.
    if (seen.has(idBig)) throw tpError(`duplicate transport parameter 0x${idBig.toString(16)}`);
    seen.add(idBig);
    if (idBig > 0x2ab2n) continue; // unknown or reserved: ignored (RFC 9000 §7.4.2, §18.1)
    const id = Number(idBig);
    if (senderRole === "client" && SERVER_ONLY.has(id)) {
      throw tpError(`server-only transport parameter 0x${id.toString(16)} sent by a client`);
    }
    const field = INT_FIELD.get(id);
    if (field !== undefined) {
      const v = decodeInt(value);
      if (
        (id === ID.initial_max_streams_bidi || id === ID.initial_max_streams_uni) &&
        v > MAX_STREAMS
      ) throw tpError("initial_max_streams above 2^60");
      (p[field] as number) = sat(v);
      continue;
    }
    switch (id) {
      case ID.original_destination_connection_id:
        p.originalDestinationConnectionId = decodeCid(value, "original_destination_connection_id");
        break;
      case ID.stateless_reset_token:
        if (value.length !== 16) throw tpError("stateless_reset_token must be 16 bytes");
        p.statelessResetToken = value;
        break;
      case ID.disable_active_migration:
        if (value.length !== 0) throw tpError("disable_active_migration must be empty");
        p.disableActiveMigration = true;
        break;
      case ID.preferred_address:
        p.preferredAddress = decodePreferredAddress(value);
        break;
      case ID.initial_source_connection_id:
        p.initialSourceConnectionId = decodeCid(value, "initial_source_connection_id");
        break;
      case ID.retry_source_connection_id:
        p.retrySourceConnectionId = decodeCid(value, "retry_source_connection_id");
        break;
      case ID.version_information:
        p.versionInformation = decodeVersionInformation(value);
        break;
      case ID.max_datagram_frame_size:
        p.maxDatagramFrameSize = sat(decodeInt(value));
        break;
      case ID.grease_quic_bit:
        // RFC 9287 §3: a non-empty value is TRANSPORT_PARAMETER_ERROR.
        if (value.length !== 0) throw tpError("grease_quic_bit must be empty");
        p.greaseQuicBit = true;
        break;
      default:
        break; // unknown: ignored
    }
  }
  validateLimits(p, tpError);
  // RFC 9000 §7.3: required connection ID parameters.
  if (p.initialSourceConnectionId === undefined) {
    throw tpError("missing initial_source_connection_id");
  }
  if (senderRole === "server" && p.originalDestinationConnectionId === undefined) {
    throw tpError("missing original_destination_connection_id");
  }
  return p;
}
