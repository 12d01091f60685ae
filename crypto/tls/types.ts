/**
 * Shared vocabulary of the sans-IO TLS 1.3 handshake for QUIC (RFC 9001 §4):
 * encryption levels, the events the handshake emits, code points, and the
 * options of {@link TlsClient} and {@link TlsServer}.
 * @module
 */
import type { HelloRetryCookieSealer } from "./hrr_cookie.ts";
import type { TlsPrivateKey } from "./keys.ts";

/**
 * QUIC encryption levels (RFC 9001 §4.1.4). Handshake bytes are carried in
 * CRYPTO frames of the packet number space of their level.
 *
 * @example
 * ```ts
 * import { EncryptionLevel } from "@gquic/core/crypto";
 * console.log(EncryptionLevel.Handshake); // 2
 * ```
 */
export const EncryptionLevel = {
  Initial: 0,
  ZeroRtt: 1,
  Handshake: 2,
  OneRtt: 3,
} as const;

/**
 * One of the values of {@link EncryptionLevel}.
 *
 * @example
 * ```ts
 * import { EncryptionLevel, type EncryptionLevelValue } from "@gquic/core/crypto";
 * const l: EncryptionLevelValue = EncryptionLevel.OneRtt;
 * console.log(l);
 * ```
 */
export type EncryptionLevelValue = 0 | 1 | 2 | 3;

/**
 * Named groups (RFC 8446 §4.2.7; X25519MLKEM768 from draft-ietf-tls-ecdhe-mlkem).
 *
 * @example
 * ```ts
 * import { NamedGroup } from "@gquic/core/crypto";
 * console.log(NamedGroup.X25519MLKEM768.toString(16)); // "11ec"
 * ```
 */
export const NamedGroup = {
  secp256r1: 0x0017,
  secp384r1: 0x0018,
  x25519: 0x001d,
  X25519MLKEM768: 0x11ec,
} as const;

/**
 * A resumption ticket as the client stores it (RFC 8446 §4.6.1), together
 * with what 0-RTT needs remembered (RFC 9001 §4.6.1, §7.4.1): the ALPN
 * protocol and the server's transport parameters.
 *
 * @example
 * ```ts
 * import type { SessionTicket } from "@gquic/core/crypto";
 * function usable(t: SessionTicket, now: number): boolean {
 *   return now < t.receivedAt + t.lifetime * 1000;
 * }
 * console.log(typeof usable);
 * ```
 */
export interface SessionTicket {
  /** The opaque ticket (the PSK identity). */
  ticket: Uint8Array;
  /** The resumption PSK derived from the ticket nonce (RFC 8446 §4.6.1). */
  psk: Uint8Array;
  /** Cipher suite of the connection that issued the ticket. */
  cipherSuite: number;
  /** Lifetime in seconds. */
  lifetime: number;
  /** Obfuscation added to the ticket age. */
  ageAdd: number;
  /** When the ticket was received (ms, the client's clock). */
  receivedAt: number;
  /** max_early_data_size from the ticket's early_data extension, 0 when absent. */
  maxEarlyData: number;
  /** The server name the ticket was issued for. */
  serverName?: string;
  /** The ALPN protocol of the issuing connection. */
  alpnProtocol?: string;
  /** The server's transport parameters on the issuing connection (RFC 9001 §7.4.1). */
  transportParameters?: Uint8Array;
}

/**
 * What the handshake asks its driver (the QUIC connection) to do.
 * - `handshakeData`: send `data` in CRYPTO frames at `level`.
 * - `secrets`: install keys for `level` (`read` and/or `write` traffic secret).
 * - `handshakeComplete`: client after sending Finished; server after
 *   verifying the client's Finished (RFC 9001 §4.1.1).
 * - `sessionTicket`: a client-side ticket to store for resumption.
 * - `earlyDataAccepted` / `earlyDataRejected`: the 0-RTT outcome.
 *
 * @example
 * ```ts
 * import type { TlsEvent } from "@gquic/core/crypto";
 * function describe(e: TlsEvent): string {
 *   return e.type === "handshakeData" ? `${e.data.length} bytes at ${e.level}` : e.type;
 * }
 * console.log(describe({ type: "handshakeComplete" }));
 * ```
 */
export type TlsEvent =
  | { type: "handshakeData"; level: EncryptionLevelValue; data: Uint8Array }
  | {
    type: "secrets";
    level: EncryptionLevelValue;
    cipherSuite: number;
    read?: Uint8Array;
    write?: Uint8Array;
  }
  | { type: "handshakeComplete" }
  | { type: "sessionTicket"; ticket: SessionTicket }
  | { type: "earlyDataAccepted" }
  | { type: "earlyDataRejected" };

/**
 * A raw extension (type and body), used by the test hooks that reshape the
 * extension lists of RFC 8448's plain-TLS traces.
 *
 * @example
 * ```ts
 * import type { RawExtension } from "@gquic/core/crypto";
 * const e: RawExtension = { type: 0x001c, data: Uint8Array.of(0x40, 0x01) };
 * console.log(e.type);
 * ```
 */
export interface RawExtension {
  /** Extension type code point. */
  type: number;
  /** Extension body. */
  data: Uint8Array;
}

/**
 * Options both endpoints share.
 *
 * @example
 * ```ts
 * import type { TlsCommonOptions } from "@gquic/core/crypto";
 * const o: TlsCommonOptions = { random: (n) => crypto.getRandomValues(new Uint8Array(n)) };
 * console.log(typeof o.random);
 * ```
 */
export interface TlsCommonOptions {
  /** Source of randomness (injected: the core never draws its own). */
  random: (n: number) => Uint8Array;
  /**
   * QUIC mode (default true): carries transport parameters in extension 0x39
   * and requires them from the peer, empty legacy_session_id, no
   * EndOfEarlyData (RFC 9001 §8). `false` is plain TLS 1.3, for tests over
   * a record layer.
   */
  quic?: boolean;
  /** Our transport parameters (opaque bytes, RFC 9001 §8.2). */
  transportParameters?: Uint8Array;
  /** ALPN protocols in preference order (RFC 7301). */
  alpnProtocols?: string[];
  /** Cipher suites in preference order; defaults to all three. */
  cipherSuites?: number[];
  /** Named groups in preference order. */
  groups?: number[];
  /** Receives NSS key log lines (SSLKEYLOGFILE format, without newline). */
  keyLog?: (line: string) => void;
}

/**
 * Client options.
 *
 * @example
 * ```ts
 * import type { TlsClientOptions } from "@gquic/core/crypto";
 * const o: TlsClientOptions = {
 *   random: (n) => crypto.getRandomValues(new Uint8Array(n)),
 *   serverName: "example.com",
 *   alpnProtocols: ["h3"],
 *   transportParameters: new Uint8Array(0),
 * };
 * console.log(o.serverName);
 * ```
 */
export interface TlsClientOptions extends TlsCommonOptions {
  /** Server name for SNI and certificate verification. */
  serverName?: string;
  /** Trust anchors (DER); when absent the chain must match `certificateHashes`. */
  caCerts?: Uint8Array[];
  /** SHA-256 hashes of accepted leaf certificates (WebTransport style). */
  certificateHashes?: Uint8Array[];
  /** Accept any server certificate (tests only). */
  dangerouslyDisableCertificateVerification?: boolean;
  /** Groups to send key shares for in the first ClientHello (default: the first group). */
  keyShareGroups?: number[];
  /** A ticket from an earlier connection, to resume. */
  session?: SessionTicket;
  /** Send 0-RTT when the ticket allows it. */
  enableEarlyData?: boolean;
  /** Client certificate chain (DER, leaf first) for mutual TLS. */
  certificateChain?: Uint8Array[];
  /** The key of the client certificate. */
  privateKey?: TlsPrivateKey;
  /**
   * Test hook replacing the CertificateVerify signature check (default:
   * `verifySignature`, which refuses RSA keys under 2048 bits). Only for
   * replaying published traces such as RFC 8448's RSA-1024 server.
   */
  signatureVerifier?: (
    spki: Uint8Array,
    scheme: number,
    data: Uint8Array,
    signature: Uint8Array,
  ) => boolean;
  /** Test hook: rewrites the ClientHello extension list (pre_shared_key stays last). */
  customizeClientHelloExtensions?: (exts: RawExtension[]) => RawExtension[];
}

/**
 * Server options.
 *
 * @example
 * ```ts
 * import type { TlsServerOptions } from "@gquic/core/crypto";
 * function make(chain: Uint8Array[], key: TlsServerOptions["privateKey"]): TlsServerOptions {
 *   return { random: (n) => crypto.getRandomValues(new Uint8Array(n)), certificateChain: chain, privateKey: key };
 * }
 * console.log(typeof make);
 * ```
 */
export interface TlsServerOptions extends TlsCommonOptions {
  /** Certificate chain (DER, leaf first). */
  certificateChain: Uint8Array[];
  /** Key of the leaf certificate. */
  privateKey: TlsPrivateKey;
  /** Ask the client for a certificate (CertificateRequest). */
  requestClientCertificate?: boolean;
  /** Ask for and require a client certificate (certificate_required otherwise). */
  requireClientCertificate?: boolean;
  /** Trust anchors (DER) for client certificates. */
  clientCaCerts?: Uint8Array[];
  /** Seals and opens session tickets; no tickets are issued without it. */
  ticketKeys?: import("./session_ticket.ts").TicketKeyRing;
  /** Tickets to send after the handshake (default 1 when `ticketKeys` is set). */
  ticketCount?: number;
  /** Ticket lifetime in seconds (default 86400, at most 604800 per RFC 8446 §4.6.1). */
  ticketLifetime?: number;
  /** Accept 0-RTT on resumed connections (requires `antiReplay`). */
  enableEarlyData?: boolean;
  /** Single-use guard for 0-RTT tickets (RFC 8446 §8). */
  antiReplay?: import("./session_ticket.ts").AntiReplayGuard;
  /**
   * Bytes that must match between the issuing and the resuming connection for
   * 0-RTT to be accepted (e.g. the server's transport parameters, RFC 9001 §4.6.2).
   */
  earlyDataContext?: Uint8Array;
  /**
   * Always answer the first ClientHello with a HelloRetryRequest carrying a
   * cookie, and require it back (RFC 8446 §4.2.2).
   */
  helloRetryCookie?: boolean;
  /**
   * Seal HelloRetryRequest cookies statelessly (RFC 8446 §4.2.2): the cookie
   * carries Hash(ClientHello1), so any TlsServer with the same sealer can take
   * the ClientHello2. Also accepts such a ClientHello2 as the first message.
   */
  helloRetryCookieSealer?: HelloRetryCookieSealer;
  /** Test hook: rewrites the EncryptedExtensions extension list. */
  customizeEncryptedExtensions?: (exts: RawExtension[]) => RawExtension[];
}
