/**
 * What the TLS client and server share: per-level reassembly of handshake
 * messages from CRYPTO data (RFC 9001 §4.1.3), bounded message sizes, the
 * event queue, key logging and the CertificateVerify signed content.
 * @module
 */
import { QuicError, TransportErrorCode } from "../../quic/proto/errors.ts";
import { AlertDescription, TlsAlertError } from "./alert.ts";
import { formatKeyLogLine, KeyLogLabel } from "./keylog.ts";
import type { EncryptionLevelValue, TlsCommonOptions, TlsEvent } from "./types.ts";
import { EncryptionLevel, NamedGroup } from "./types.ts";
import { CipherSuite } from "../cipher_suites.ts";
import type { HashName } from "../hkdf.ts";
import {
  constantTimeEqual,
  finishedVerifyData,
  type KeySchedule,
  suiteHash,
} from "./key_schedule.ts";
import { isSupportedGroup } from "./key_share.ts";
import { decodeCertificateVerify, encodeCertificateVerify, encodeFinished } from "./messages.ts";
import type { TlsPrivateKey } from "./keys.ts";
import { sign, SUPPORTED_SIGNATURE_SCHEMES } from "./signature.ts";
import type { Transcript } from "./transcript.ts";
import { illegalParameter } from "./tls_codec.ts";

/**
 * Largest handshake message accepted, except Certificate.
 *
 * @example
 * ```ts
 * import { MAX_MESSAGE_SIZE } from "@gquic/core/crypto";
 * console.log(MAX_MESSAGE_SIZE); // 65536
 * ```
 */
export const MAX_MESSAGE_SIZE = 64 * 1024;
/**
 * Largest Certificate message accepted.
 *
 * @example
 * ```ts
 * import { MAX_CERTIFICATE_MESSAGE_SIZE } from "@gquic/core/crypto";
 * console.log(MAX_CERTIFICATE_MESSAGE_SIZE); // 262144
 * ```
 */
export const MAX_CERTIFICATE_MESSAGE_SIZE = 256 * 1024;

/**
 * Default cipher suites, in preference order.
 *
 * @example
 * ```ts
 * import { DEFAULT_CIPHER_SUITES } from "@gquic/core/crypto";
 * console.log(DEFAULT_CIPHER_SUITES[0].toString(16)); // "1301"
 * ```
 */
export const DEFAULT_CIPHER_SUITES: number[] = [
  CipherSuite.TLS_AES_128_GCM_SHA256,
  CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
  CipherSuite.TLS_AES_256_GCM_SHA384,
];

/**
 * Default groups, in preference order.
 *
 * @example
 * ```ts
 * import { DEFAULT_GROUPS } from "@gquic/core/crypto";
 * console.log(DEFAULT_GROUPS[0]); // 29 (x25519)
 * ```
 */
export const DEFAULT_GROUPS: number[] = [
  NamedGroup.x25519,
  NamedGroup.X25519MLKEM768,
  NamedGroup.secp256r1,
  NamedGroup.secp384r1,
];

/**
 * A complete handshake message handed to the state machine.
 *
 * @example
 * ```ts
 * import type { HandshakeMessage } from "@gquic/core/crypto";
 * const raw = Uint8Array.of(20, 0, 0, 0);
 * const m: HandshakeMessage = { type: 20, body: raw.subarray(4), raw };
 * console.log(m.type);
 * ```
 */
export interface HandshakeMessage {
  /** msg_type. */
  type: number;
  /** Body (without the 4-byte header). */
  body: Uint8Array;
  /** The whole message, header included (what goes into the transcript). */
  raw: Uint8Array;
}

/**
 * unexpected_message alert.
 *
 * @example
 * ```ts
 * import { unexpected } from "@gquic/core/crypto";
 * console.log(unexpected("no").alert); // 10
 * ```
 */
export function unexpected(message: string): TlsAlertError {
  return new TlsAlertError(AlertDescription.unexpected_message, message);
}

/**
 * PROTOCOL_VIOLATION, for the QUIC-specific rules of RFC 9001 §8.
 *
 * @example
 * ```ts
 * import { protocolViolation } from "@gquic/core/crypto";
 * console.log(protocolViolation("no").code); // 10
 * ```
 */
export function protocolViolation(message: string): QuicError {
  return new QuicError(TransportErrorCode.PROTOCOL_VIOLATION, message);
}

const SPACES_64 = new Uint8Array(64).fill(0x20);

/**
 * The content a CertificateVerify signs (RFC 8446 §4.4.3): 64 spaces, the
 * context string, a zero byte, then the transcript hash.
 *
 * @example
 * ```ts
 * import { certificateVerifyContent } from "@gquic/core/crypto";
 * console.log(certificateVerifyContent(true, new Uint8Array(32)).length); // 130
 * ```
 */
export function certificateVerifyContent(server: boolean, transcriptHash: Uint8Array): Uint8Array {
  const ctx = server ? "TLS 1.3, server CertificateVerify" : "TLS 1.3, client CertificateVerify";
  const out = new Uint8Array(64 + ctx.length + 1 + transcriptHash.length);
  out.set(SPACES_64);
  for (let i = 0; i < ctx.length; i++) out[64 + i] = ctx.charCodeAt(i);
  out.set(transcriptHash, 64 + ctx.length + 1);
  return out;
}

/**
 * Concatenates byte strings (a flight of handshake messages).
 *
 * @example
 * ```ts
 * import { concatBytes } from "@gquic/core/crypto";
 * console.log(concatBytes([Uint8Array.of(1), Uint8Array.of(2, 3)])); // Uint8Array(3) [1, 2, 3]
 * ```
 */
export function concatBytes(parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  len = 0;
  for (const p of parts) {
    out.set(p, len);
    len += p.length;
  }
  return out;
}

/**
 * Base of {@link TlsClient} and {@link TlsServer}: buffering, events, errors.
 *
 * @example
 * ```ts
 * import { HandshakeEndpoint, TlsClient } from "@gquic/core/crypto";
 * const c = new TlsClient({ random: (n) => new Uint8Array(n), transportParameters: new Uint8Array(0) });
 * console.log(c instanceof HandshakeEndpoint); // true
 * ```
 */
export abstract class HandshakeEndpoint {
  /** Injected randomness. */
  protected readonly random: (n: number) => Uint8Array;
  /** QUIC mode (RFC 9001 rules) or plain TLS. */
  readonly quic: boolean;
  /** Negotiated cipher suite (0 until ServerHello). */
  cipherSuite = 0;
  /** Negotiated group (0 until ServerHello; 0 as well for a PSK-only exchange). */
  group = 0;
  /** Negotiated ALPN protocol. */
  alpnProtocol: string | undefined = undefined;
  /** The peer's transport parameters (ext 0x39). */
  peerTransportParameters: Uint8Array | undefined = undefined;
  /** The peer's certificate chain (DER, leaf first), if it presented one. */
  peerCertificates: Uint8Array[] = [];
  /** True when the handshake resumed a session with a PSK. */
  resumed = false;
  /** True when 0-RTT data was accepted. */
  earlyDataAccepted = false;
  /** True once the handshake is complete. */
  handshakeComplete = false;
  /** The ClientHello random (for key log lines). */
  protected clientRandom: Uint8Array = new Uint8Array(32);
  /** Time of the current call. */
  protected now = 0;
  /** Our cipher suites (known ones only), in preference order. */
  protected readonly suites: number[];
  /** Our groups (implemented ones only), in preference order. */
  protected readonly groups: number[];

  readonly #events: TlsEvent[] = [];
  readonly #buffers: (Uint8Array | undefined)[] = [undefined, undefined, undefined, undefined];
  readonly #keyLog?: (line: string) => void;
  #failed: Error | undefined;

  /**
   * Sets up shared state.
   * @param options common options
   */
  constructor(options: TlsCommonOptions) {
    this.random = options.random;
    this.quic = options.quic ?? true;
    this.#keyLog = options.keyLog;
    this.suites = (options.cipherSuites ?? DEFAULT_CIPHER_SUITES).filter((s) => suiteHash(s));
    this.groups = (options.groups ?? DEFAULT_GROUPS).filter(isSupportedGroup);
    if (this.suites.length === 0 || this.groups.length === 0) {
      throw new TlsAlertError(AlertDescription.internal_error, "no cipher suites or groups");
    }
    if (this.quic && !options.transportParameters) {
      throw new TlsAlertError(AlertDescription.internal_error, "QUIC needs transportParameters");
    }
  }

  /**
   * Checks the peer's Finished (RFC 8446 §4.4.4) against the transcript so
   * far: wrong length is decode_error, wrong value decrypt_error.
   */
  protected checkPeerFinished(
    hash: HashName,
    peerBaseKey: Uint8Array,
    transcriptHash: Uint8Array,
    body: Uint8Array,
  ): void {
    const expected = finishedVerifyData(hash, peerBaseKey, transcriptHash);
    if (body.length !== expected.length) {
      throw new TlsAlertError(AlertDescription.decode_error, "bad Finished length");
    }
    if (!constantTimeEqual(body, expected)) {
      const who = this.isServer ? "client" : "server";
      throw new TlsAlertError(AlertDescription.decrypt_error, `bad ${who} Finished`);
    }
  }

  /**
   * Checks the peer's CertificateVerify (RFC 8446 §4.4.3) with its leaf key;
   * returns the scheme it used.
   */
  protected checkPeerCertificateVerify(
    body: Uint8Array,
    transcriptHash: Uint8Array,
    peerSpki: Uint8Array,
    verify: (spki: Uint8Array, scheme: number, data: Uint8Array, sig: Uint8Array) => boolean,
  ): number {
    const cv = decodeCertificateVerify(body);
    if (!SUPPORTED_SIGNATURE_SCHEMES.includes(cv.scheme)) {
      throw illegalParameter("signature scheme not offered");
    }
    // The peer signed with the other side's context string.
    const content = certificateVerifyContent(!this.isServer, transcriptHash);
    if (!verify(peerSpki, cv.scheme, content, cv.signature)) {
      const who = this.isServer ? "client" : "server";
      throw new TlsAlertError(AlertDescription.decrypt_error, `bad ${who} CertificateVerify`);
    }
    return cv.scheme;
  }

  /**
   * Appends our authentication block (RFC 8446 §4.4) to `flight` and the
   * transcript: the Certificate message if any, a CertificateVerify when
   * `signer` is given (signed over the transcript so far, RFC 8446 §4.4.3),
   * then Finished under `finishedBaseKey` (§4.4.4).
   */
  protected appendAuthentication(
    transcript: Transcript,
    hash: HashName,
    flight: Uint8Array[],
    certificate: Uint8Array | undefined,
    signer: { key: TlsPrivateKey; scheme: number } | undefined,
    finishedBaseKey: Uint8Array,
  ): void {
    const add = (m: Uint8Array) => {
      transcript.add(m);
      flight.push(m);
    };
    if (certificate) add(certificate);
    if (signer) {
      const content = certificateVerifyContent(this.isServer, transcript.hash(hash));
      add(encodeCertificateVerify(signer.scheme, sign(signer.key, signer.scheme, content)));
    }
    add(encodeFinished(finishedVerifyData(hash, finishedBaseKey, transcript.hash(hash))));
  }

  /** Logs the handshake traffic secrets and emits them for the Handshake level. */
  protected installHandshakeSecrets(ks: KeySchedule): void {
    this.logSecret(KeyLogLabel.clientHandshake, ks.clientHandshakeTrafficSecret);
    this.logSecret(KeyLogLabel.serverHandshake, ks.serverHandshakeTrafficSecret);
    const [read, write] = this.isServer
      ? [ks.clientHandshakeTrafficSecret, ks.serverHandshakeTrafficSecret]
      : [ks.serverHandshakeTrafficSecret, ks.clientHandshakeTrafficSecret];
    this.emit({
      type: "secrets",
      level: EncryptionLevel.Handshake,
      cipherSuite: this.cipherSuite,
      read,
      write,
    });
  }

  /** Logs the application traffic and exporter secrets (RFC 8446 §7.1). */
  protected logApplicationSecrets(ks: KeySchedule): void {
    this.logSecret(KeyLogLabel.clientTraffic0, ks.clientApplicationTrafficSecret);
    this.logSecret(KeyLogLabel.serverTraffic0, ks.serverApplicationTrafficSecret);
    this.logSecret(KeyLogLabel.exporter, ks.exporterMasterSecret);
  }

  /** True for the server side. */
  protected abstract get isServer(): boolean;

  /** The next event, or undefined when none is pending. */
  pollEvent(): TlsEvent | undefined {
    return this.#events.shift();
  }

  /** Queues an event. */
  protected emit(e: TlsEvent): void {
    this.#events.push(e);
  }

  /** Writes a key log line if logging is on. */
  protected logSecret(label: string, secret: Uint8Array): void {
    if (this.#keyLog) this.#keyLog(formatKeyLogLine(label, this.clientRandom, secret));
  }

  /**
   * Feeds handshake bytes received in CRYPTO frames at `level`, in order.
   * Throws {@link TlsAlertError} (or QuicError for RFC 9001 §8 violations);
   * after a throw, the endpoint is dead and every later call throws again.
   */
  receive(level: EncryptionLevelValue, data: Uint8Array, now: number): void {
    if (this.#failed) throw this.#failed;
    try {
      this.now = now;
      this.#receive(level, data);
    } catch (e) {
      this.#failed = e instanceof TlsAlertError || e instanceof QuicError
        ? e
        : new TlsAlertError(AlertDescription.internal_error, String(e));
      throw this.#failed;
    }
  }

  /** Runs `fn`, turning untyped failures into internal_error and latching errors. */
  protected guard(fn: () => void): void {
    if (this.#failed) throw this.#failed;
    try {
      fn();
    } catch (e) {
      this.#failed = e instanceof TlsAlertError || e instanceof QuicError
        ? e
        : new TlsAlertError(AlertDescription.internal_error, String(e));
      throw this.#failed;
    }
  }

  #receive(level: EncryptionLevelValue, data: Uint8Array): void {
    if (level !== 0 && level !== 2 && level !== 3) {
      // RFC 9001 §4.1.3: there is no handshake data at the 0-RTT level.
      throw unexpected("handshake data at the 0-RTT level");
    }
    if (data.length === 0) return;
    const prev = this.#buffers[level];
    let buf: Uint8Array;
    if (prev && prev.length > 0) {
      buf = new Uint8Array(prev.length + data.length);
      buf.set(prev);
      buf.set(data, prev.length);
    } else {
      buf = data;
    }
    let off = 0;
    while (buf.length - off >= 4) {
      const type = buf[off];
      const len = (buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3];
      const max = type === 11 ? MAX_CERTIFICATE_MESSAGE_SIZE : MAX_MESSAGE_SIZE;
      if (len > max) {
        throw new TlsAlertError(
          AlertDescription.illegal_parameter,
          `handshake message of ${len} bytes exceeds ${max}`,
        );
      }
      if (buf.length - off < 4 + len) break;
      const raw = buf.slice(off, off + 4 + len);
      off += 4 + len;
      // Keep the remainder visible while the message is handled, so a key
      // change can check that nothing straddles it.
      this.#buffers[level] = buf.subarray(off);
      this.handleMessage(level, { type, body: raw.subarray(4), raw });
    }
    this.#buffers[level] = off === buf.length ? undefined : buf.slice(off);
  }

  /**
   * RFC 9001 §4.1.3 / RFC 8446 §5.1: handshake messages must not span a key
   * change, so bytes left at `level` when it stops being read are an error.
   */
  protected assertLevelDrained(level: EncryptionLevelValue): void {
    const b = this.#buffers[level];
    if (b && b.length > 0) throw unexpected("handshake data straddles a key change");
  }

  /** Handles one complete message. */
  protected abstract handleMessage(level: EncryptionLevelValue, msg: HandshakeMessage): void;
}
