/**
 * The TLS 1.3 client handshake for QUIC (RFC 8446 §4, RFC 9001 §4), sans-IO:
 * `start` emits the ClientHello, `receive` takes the server's handshake bytes
 * per encryption level, `pollEvent` yields bytes to send and secrets to install.
 * @module
 */
import type { HashName } from "../hkdf.ts";
import { AlertDescription, TlsAlertError } from "./alert.ts";
import { verifyCertificateChain } from "./cert_verify.ts";
import {
  decodeAlpn,
  decodeCookie,
  decodeU16,
  decodeU16List,
  decodeU32,
  encodeAlpn,
  encodeCookie,
  encodeServerName,
  encodeU16List,
  ExtensionType,
  TLS13_VERSION,
} from "./extensions.ts";
import { decodeServerKeyShare, encodeClientKeyShares } from "./extensions_key_share.ts";
import { bindersLength, encodeOfferedPsks, PSK_DHE_KE } from "./extensions_psk.ts";
import { illegalParameter } from "./tls_codec.ts";
import {
  concatBytes,
  HandshakeEndpoint,
  type HandshakeMessage,
  protocolViolation,
  unexpected,
} from "./handshake.ts";
import { finishedVerifyData, KeySchedule, resumptionPsk, suiteHash } from "./key_schedule.ts";
import { ClientKeyShare } from "./key_share.ts";
import { KeyLogLabel } from "./keylog.ts";
import type { TlsPrivateKey } from "./keys.ts";
import {
  decodeCertificate,
  decodeCertificateRequest,
  decodeEncryptedExtensions,
  decodeNewSessionTicket,
  encodeCertificate,
  HandshakeType,
} from "./messages.ts";
import { decodeServerHello, encodeClientHello, type ParsedServerHello } from "./messages_hello.ts";
import {
  SIGNATURE_ALGORITHMS_CERT,
  signatureSchemesForKey,
  SUPPORTED_SIGNATURE_SCHEMES,
} from "./signature.ts";
import { verifySignatureCached } from "./p256_verify.ts";
import { Transcript } from "./transcript.ts";
import {
  EncryptionLevel,
  type EncryptionLevelValue,
  type RawExtension,
  type SessionTicket,
  type TlsClientOptions,
} from "./types.ts";

const enum State {
  Start,
  WaitServerHello,
  WaitEncryptedExtensions,
  WaitCertificateOrRequest,
  WaitCertificate,
  WaitCertificateVerify,
  WaitFinished,
  Connected,
}

/** Extensions a server may not put in EncryptedExtensions (RFC 8446 §4.2 table). */
const NOT_IN_EE = new Set<number>([
  ExtensionType.key_share,
  ExtensionType.supported_versions,
  ExtensionType.pre_shared_key,
  ExtensionType.psk_key_exchange_modes,
  ExtensionType.signature_algorithms,
  ExtensionType.signature_algorithms_cert,
  ExtensionType.cookie,
  ExtensionType.certificate_authorities,
]);

function isIpLiteral(name: string): boolean {
  return /^[0-9.]+$/.test(name) || name.includes(":");
}

/**
 * A TLS 1.3 client.
 *
 * @example
 * ```ts
 * import { EncryptionLevel, TlsClient } from "@gquic/core/crypto";
 * const client = new TlsClient({
 *   random: (n) => crypto.getRandomValues(new Uint8Array(n)),
 *   serverName: "localhost",
 *   alpnProtocols: ["h3"],
 *   transportParameters: new Uint8Array(0),
 * });
 * client.start(0);
 * const e = client.pollEvent();
 * console.log(e?.type === "handshakeData" && e.level === EncryptionLevel.Initial); // true
 * ```
 */
export class TlsClient extends HandshakeEndpoint {
  readonly #o: TlsClientOptions;
  #state = State.Start;
  #transcript = new Transcript();
  #shares: ClientKeyShare[] = [];
  #offered = new Set<number>();
  #hrr: ParsedServerHello | undefined;
  #cookie: Uint8Array | undefined;
  #session: SessionTicket | undefined;
  #sentEarlyData = false;
  #ks: KeySchedule | undefined;
  #hash: HashName = "sha256";
  #leafSpki: Uint8Array | undefined;
  #certRequest: { context: Uint8Array; schemes: number[] } | undefined;
  /** Signature scheme the server used in CertificateVerify. */
  signatureScheme = 0;

  /**
   * Creates a client; nothing happens until {@link TlsClient.start}.
   * @param options client options
   */
  constructor(options: TlsClientOptions) {
    super(options);
    this.#o = options;
  }

  /** False: this is the client. */
  protected get isServer(): boolean {
    return false;
  }

  /** The traffic keys' key schedule (after ServerHello), for tests and exporters. */
  get keySchedule(): KeySchedule | undefined {
    return this.#ks;
  }

  /** Emits the ClientHello (and 0-RTT keys when the session allows early data). */
  start(now: number): void {
    this.guard(() => {
      if (this.#state !== State.Start) throw unexpected("start() called twice");
      this.now = now;
      this.clientRandom = this.random(32);
      const s = this.#o.session;
      if (
        s && this.suites.includes(s.cipherSuite) && now >= s.receivedAt &&
        now - s.receivedAt < s.lifetime * 1000 &&
        (s.serverName === undefined || s.serverName === this.#o.serverName)
      ) {
        this.#session = s;
      }
      const shareGroups = (this.#o.keyShareGroups ?? [this.groups[0]]).filter((g) =>
        this.groups.includes(g)
      );
      this.#shares = shareGroups.map((g) => new ClientKeyShare(g, this.random));
      const wantEarly = this.quic && !!this.#session && !!this.#o.enableEarlyData &&
        this.#session.maxEarlyData > 0 &&
        (this.#session.alpnProtocol === undefined ||
          (this.#o.alpnProtocols ?? []).includes(this.#session.alpnProtocol));
      this.#sendClientHello(wantEarly);
      if (wantEarly) {
        this.#sentEarlyData = true;
        const ks = new KeySchedule(suiteHash(this.#session!.cipherSuite)!, this.#session!.psk);
        const secret = ks.clientEarlyTrafficSecret(this.#transcript.hash(ks.hash));
        this.logSecret(KeyLogLabel.clientEarly, secret);
        this.emit({
          type: "secrets",
          level: EncryptionLevel.ZeroRtt,
          cipherSuite: this.#session!.cipherSuite,
          write: secret,
        });
      }
      this.#state = State.WaitServerHello;
    });
  }

  #sendClientHello(earlyData: boolean): void {
    const o = this.#o;
    const exts: RawExtension[] = [];
    if (o.serverName && !isIpLiteral(o.serverName)) {
      exts.push({ type: ExtensionType.server_name, data: encodeServerName(o.serverName) });
    }
    exts.push({
      type: ExtensionType.supported_versions,
      data: Uint8Array.of(2, TLS13_VERSION >> 8, TLS13_VERSION & 0xff),
    });
    exts.push({ type: ExtensionType.supported_groups, data: encodeU16List(this.groups, 2) });
    exts.push({
      type: ExtensionType.key_share,
      data: encodeClientKeyShares(
        this.#shares.map((s) => ({ group: s.group, keyExchange: s.keyExchange })),
      ),
    });
    exts.push({
      type: ExtensionType.signature_algorithms,
      data: encodeU16List(SUPPORTED_SIGNATURE_SCHEMES, 2),
    });
    exts.push({
      type: ExtensionType.signature_algorithms_cert,
      data: encodeU16List(SIGNATURE_ALGORITHMS_CERT, 2),
    });
    if (o.alpnProtocols && o.alpnProtocols.length > 0) {
      exts.push({
        type: ExtensionType.application_layer_protocol_negotiation,
        data: encodeAlpn(o.alpnProtocols),
      });
    }
    if (this.quic) {
      exts.push({ type: ExtensionType.quic_transport_parameters, data: o.transportParameters! });
    }
    // Always sent: without it the server may not issue tickets (RFC 8446 §4.2.9).
    exts.push({ type: ExtensionType.psk_key_exchange_modes, data: Uint8Array.of(1, PSK_DHE_KE) });
    if (this.#cookie) exts.push({ type: ExtensionType.cookie, data: encodeCookie(this.#cookie) });
    if (earlyData) exts.push({ type: ExtensionType.early_data, data: new Uint8Array(0) });
    const final = o.customizeClientHelloExtensions ? o.customizeClientHelloExtensions(exts) : exts;

    const session = this.#session;
    let binderHash: HashName | undefined;
    if (session) {
      binderHash = suiteHash(session.cipherSuite)!;
      const age = (this.now - session.receivedAt + session.ageAdd) >>> 0;
      const binderLen = binderHash === "sha256" ? 32 : 48;
      final.push({
        type: ExtensionType.pre_shared_key,
        data: encodeOfferedPsks({
          identities: [{ identity: session.ticket, obfuscatedTicketAge: age }],
          binders: [new Uint8Array(binderLen)],
        }),
      });
    }
    this.#offered = new Set(final.map((e) => e.type));
    // RFC 9001 §8.4: legacy_session_id is empty in QUIC (and we send it empty in TLS too).
    const ch = encodeClientHello({
      random: this.clientRandom,
      sessionId: new Uint8Array(0),
      cipherSuites: this.suites,
      extensions: final,
    });
    if (session && binderHash) {
      // RFC 8446 §4.2.11.2: the binder covers the ClientHello up to the binders list.
      const blen = bindersLength([new Uint8Array(binderHash === "sha256" ? 32 : 48)]);
      const truncated = ch.subarray(0, ch.length - blen);
      const ks = new KeySchedule(binderHash, session.psk);
      const binder = finishedVerifyData(
        binderHash,
        ks.binderKey(),
        this.#transcript.hash(binderHash, truncated),
      );
      ch.set(binder, ch.length - binder.length);
    }
    this.#transcript.add(ch);
    this.emit({ type: "handshakeData", level: EncryptionLevel.Initial, data: ch });
  }

  /** Handles one server message. */
  protected handleMessage(level: EncryptionLevelValue, msg: HandshakeMessage): void {
    switch (this.#state) {
      case State.WaitServerHello:
        this.#expect(level, EncryptionLevel.Initial, msg, HandshakeType.server_hello);
        return this.#onServerHello(msg);
      case State.WaitEncryptedExtensions:
        this.#expect(level, EncryptionLevel.Handshake, msg, HandshakeType.encrypted_extensions);
        return this.#onEncryptedExtensions(msg);
      case State.WaitCertificateOrRequest:
        if (msg.type === HandshakeType.certificate_request && level === EncryptionLevel.Handshake) {
          return this.#onCertificateRequest(msg);
        }
        this.#expect(level, EncryptionLevel.Handshake, msg, HandshakeType.certificate);
        return this.#onCertificate(msg);
      case State.WaitCertificate:
        this.#expect(level, EncryptionLevel.Handshake, msg, HandshakeType.certificate);
        return this.#onCertificate(msg);
      case State.WaitCertificateVerify:
        this.#expect(level, EncryptionLevel.Handshake, msg, HandshakeType.certificate_verify);
        return this.#onCertificateVerify(msg);
      case State.WaitFinished:
        this.#expect(level, EncryptionLevel.Handshake, msg, HandshakeType.finished);
        return this.#onFinished(msg);
      case State.Connected:
        this.#expect(level, EncryptionLevel.OneRtt, msg, HandshakeType.new_session_ticket);
        return this.#onNewSessionTicket(msg);
      default:
        throw unexpected("message before start()");
    }
  }

  #expect(level: number, wantLevel: number, msg: HandshakeMessage, wantType: number): void {
    if (level !== wantLevel || msg.type !== wantType) {
      // RFC 9001 §6: a KeyUpdate message is an unexpected_message in QUIC.
      throw unexpected(`handshake message ${msg.type} at level ${level} in state ${this.#state}`);
    }
  }

  #checkServerHelloExtensions(sh: ParsedServerHello, allowed: number[]): void {
    for (const t of sh.extensions.keys()) {
      if (allowed.includes(t)) continue;
      if (!this.#offered.has(t)) {
        throw new TlsAlertError(
          AlertDescription.unsupported_extension,
          `unsolicited extension ${t}`,
        );
      }
      throw illegalParameter(`extension ${t} not allowed in ServerHello`);
    }
  }

  #onServerHello(msg: HandshakeMessage): void {
    const sh = decodeServerHello(msg.body);
    const sv = sh.extensions.get(ExtensionType.supported_versions);
    if (!sv) {
      throw new TlsAlertError(AlertDescription.protocol_version, "server does not speak TLS 1.3");
    }
    // RFC 8446 §4.2.1: a version we did not offer is illegal_parameter.
    if (decodeU16(sv, "supported_versions") !== TLS13_VERSION) {
      throw illegalParameter("server selected a version we did not offer");
    }
    if (sh.legacyVersion !== 0x0303) throw illegalParameter("bad legacy_version");
    if (sh.sessionId.length !== 0) throw illegalParameter("legacy_session_id not echoed");
    if (!this.suites.includes(sh.cipherSuite)) throw illegalParameter("cipher suite not offered");
    if (sh.compression !== 0) throw illegalParameter("compression method must be null");
    if (sh.isHelloRetryRequest) return this.#onHelloRetryRequest(sh, msg);

    this.#checkServerHelloExtensions(sh, [
      ExtensionType.key_share,
      ExtensionType.supported_versions,
      ExtensionType.pre_shared_key,
    ]);
    if (this.#hrr && this.#hrr.cipherSuite !== sh.cipherSuite) {
      throw illegalParameter("ServerHello suite differs from HelloRetryRequest's");
    }
    this.cipherSuite = sh.cipherSuite;
    this.#hash = suiteHash(sh.cipherSuite)!;
    let psk: Uint8Array | undefined;
    const pskExt = sh.extensions.get(ExtensionType.pre_shared_key);
    if (pskExt) {
      if (!this.#session || !this.#offered.has(ExtensionType.pre_shared_key)) {
        throw new TlsAlertError(AlertDescription.unsupported_extension, "PSK not offered");
      }
      if (decodeU16(pskExt, "pre_shared_key") !== 0) throw illegalParameter("bad PSK identity");
      if (suiteHash(this.#session.cipherSuite) !== this.#hash) {
        throw illegalParameter("PSK hash does not match the suite");
      }
      psk = this.#session.psk;
      this.resumed = true;
    }
    const ksExt = sh.extensions.get(ExtensionType.key_share);
    // We only offer psk_dhe_ke, so a key share is always required.
    if (!ksExt) throw new TlsAlertError(AlertDescription.missing_extension, "no key_share");
    const entry = decodeServerKeyShare(ksExt);
    const share = this.#shares.find((s) => s.group === entry.group);
    if (!share) throw illegalParameter("server key share for a group we did not offer");
    const shared = share.complete(entry.keyExchange);
    this.group = entry.group;

    this.#transcript.add(msg.raw);
    const ks = new KeySchedule(this.#hash, psk);
    ks.handshake(shared, this.#transcript.hash(this.#hash));
    this.#ks = ks;
    this.assertLevelDrained(EncryptionLevel.Initial);
    this.installHandshakeSecrets(ks);
    this.#state = State.WaitEncryptedExtensions;
  }

  #onHelloRetryRequest(hrr: ParsedServerHello, msg: HandshakeMessage): void {
    // RFC 8446 §4.1.4: a second HelloRetryRequest is unexpected_message.
    if (this.#hrr) throw unexpected("second HelloRetryRequest");
    this.#checkServerHelloExtensions(hrr, [
      ExtensionType.key_share,
      ExtensionType.supported_versions,
      ExtensionType.cookie,
    ]);
    const ksExt = hrr.extensions.get(ExtensionType.key_share);
    const cookieExt = hrr.extensions.get(ExtensionType.cookie);
    if (!ksExt && !cookieExt) throw illegalParameter("HelloRetryRequest changes nothing");
    if (ksExt) {
      const g = decodeU16(ksExt, "key_share");
      if (!this.groups.includes(g)) throw illegalParameter("HRR group not offered");
      if (this.#shares.some((s) => s.group === g)) {
        throw illegalParameter("HRR asks for a group we already sent");
      }
      this.#shares = [new ClientKeyShare(g, this.random)];
    }
    if (cookieExt) this.#cookie = decodeCookie(cookieExt);
    this.#hrr = hrr;
    const hash = suiteHash(hrr.cipherSuite)!;
    this.#transcript.replaceWithMessageHash(hash);
    this.#transcript.add(msg.raw);
    if (this.#sentEarlyData) {
      // RFC 8446 §4.2.10: early data is rejected by a HelloRetryRequest.
      this.#sentEarlyData = false;
      this.emit({ type: "earlyDataRejected" });
    }
    if (this.#session && suiteHash(this.#session.cipherSuite) !== hash) this.#session = undefined;
    this.assertLevelDrained(EncryptionLevel.Initial);
    this.#sendClientHello(false);
  }

  #onEncryptedExtensions(msg: HandshakeMessage): void {
    const exts = decodeEncryptedExtensions(msg.body);
    for (const t of exts.keys()) {
      if (NOT_IN_EE.has(t)) {
        throw illegalParameter(`extension ${t} not allowed in EncryptedExtensions`);
      }
      if (!this.#offered.has(t)) {
        throw new TlsAlertError(
          AlertDescription.unsupported_extension,
          `unsolicited extension ${t}`,
        );
      }
    }
    const alpn = exts.get(ExtensionType.application_layer_protocol_negotiation);
    if (alpn) {
      const list = decodeAlpn(alpn);
      if (list.length !== 1 || !(this.#o.alpnProtocols ?? []).includes(list[0])) {
        throw illegalParameter("server selected an ALPN protocol we did not offer");
      }
      this.alpnProtocol = list[0];
    } else if (
      this.quic && this.#offered.has(ExtensionType.application_layer_protocol_negotiation)
    ) {
      // RFC 9001 §8.1: QUIC requires an application protocol.
      throw new TlsAlertError(AlertDescription.no_application_protocol, "server chose no ALPN");
    }
    const tp = exts.get(ExtensionType.quic_transport_parameters);
    if (this.quic) {
      // RFC 9001 §8.2: missing transport parameters are missing_extension.
      if (!tp) {
        throw new TlsAlertError(AlertDescription.missing_extension, "no transport parameters");
      }
      this.peerTransportParameters = tp;
    }
    const early = exts.get(ExtensionType.early_data);
    if (early) {
      if (early.length !== 0) {
        throw new TlsAlertError(AlertDescription.decode_error, "bad early_data");
      }
      if (!this.#sentEarlyData || !this.resumed) throw illegalParameter("early_data not offered");
      this.earlyDataAccepted = true;
      this.emit({ type: "earlyDataAccepted" });
    } else if (this.#sentEarlyData) {
      this.emit({ type: "earlyDataRejected" });
    }
    this.#transcript.add(msg.raw);
    this.#state = this.resumed ? State.WaitFinished : State.WaitCertificateOrRequest;
  }

  #onCertificateRequest(msg: HandshakeMessage): void {
    const cr = decodeCertificateRequest(msg.body);
    if (cr.context.length !== 0) throw illegalParameter("non-empty certificate_request_context");
    const sa = cr.extensions.get(ExtensionType.signature_algorithms);
    if (!sa) throw new TlsAlertError(AlertDescription.missing_extension, "no signature_algorithms");
    this.#certRequest = {
      context: cr.context,
      schemes: decodeU16List(sa, 2, "signature_algorithms"),
    };
    this.#transcript.add(msg.raw);
    this.#state = State.WaitCertificate;
  }

  #onCertificate(msg: HandshakeMessage): void {
    const cm = decodeCertificate(msg.body);
    if (cm.context.length !== 0) throw illegalParameter("non-empty certificate_request_context");
    const leaf = verifyCertificateChain(cm.certificates, {
      trustAnchors: this.#o.caCerts ?? [],
      serverName: this.#o.serverName,
      now: this.now,
      purpose: "serverAuth",
      certificateHashes: this.#o.certificateHashes,
      dangerouslyDisableCertificateVerification: this.#o.dangerouslyDisableCertificateVerification,
    });
    this.#leafSpki = leaf.spki;
    this.peerCertificates = cm.certificates;
    this.#transcript.add(msg.raw);
    this.#state = State.WaitCertificateVerify;
  }

  #onCertificateVerify(msg: HandshakeMessage): void {
    this.signatureScheme = this.checkPeerCertificateVerify(
      msg.body,
      this.#transcript.hash(this.#hash),
      this.#leafSpki!,
      this.#o.signatureVerifier ?? verifySignatureCached,
    );
    this.#transcript.add(msg.raw);
    this.#state = State.WaitFinished;
  }

  #onFinished(msg: HandshakeMessage): void {
    const ks = this.#ks!;
    this.checkPeerFinished(
      this.#hash,
      ks.serverHandshakeTrafficSecret,
      this.#transcript.hash(this.#hash),
      msg.body,
    );
    this.#transcript.add(msg.raw);
    ks.application(this.#transcript.hash(this.#hash));
    this.assertLevelDrained(EncryptionLevel.Handshake);

    // Our second flight: [Certificate, CertificateVerify,] Finished.
    const parts: Uint8Array[] = [];
    let certificate: Uint8Array | undefined;
    let signer: { key: TlsPrivateKey; scheme: number } | undefined;
    if (this.#certRequest) {
      const chain = this.#o.certificateChain ?? [];
      const key: TlsPrivateKey | undefined = this.#o.privateKey;
      const scheme = key
        ? signatureSchemesForKey(key).find((s) => this.#certRequest!.schemes.includes(s))
        : undefined;
      const send = chain.length > 0 && key && scheme !== undefined;
      certificate = encodeCertificate(this.#certRequest.context, send ? chain : []);
      if (send) signer = { key: key!, scheme: scheme! };
    }
    this.appendAuthentication(
      this.#transcript,
      this.#hash,
      parts,
      certificate,
      signer,
      ks.clientHandshakeTrafficSecret,
    );
    ks.resumption(this.#transcript.hash(this.#hash));
    this.emit({
      type: "handshakeData",
      level: EncryptionLevel.Handshake,
      data: concatBytes(parts),
    });
    this.logApplicationSecrets(ks);
    this.emit({
      type: "secrets",
      level: EncryptionLevel.OneRtt,
      cipherSuite: this.cipherSuite,
      read: ks.serverApplicationTrafficSecret,
      write: ks.clientApplicationTrafficSecret,
    });
    this.handshakeComplete = true;
    this.#state = State.Connected;
    this.emit({ type: "handshakeComplete" });
  }

  #onNewSessionTicket(msg: HandshakeMessage): void {
    const t = decodeNewSessionTicket(msg.body);
    let maxEarlyData = 0;
    const early = t.extensions.get(ExtensionType.early_data);
    if (early) {
      maxEarlyData = decodeU32(early, "early_data");
      // RFC 9001 §4.6.1: in QUIC max_early_data_size must be 0xffffffff.
      if (this.quic && maxEarlyData !== 0xffffffff) {
        throw protocolViolation("max_early_data_size is not 0xffffffff");
      }
    }
    if (t.lifetime === 0) return; // RFC 8446 §4.6.1: discard immediately.
    const ks = this.#ks!;
    this.emit({
      type: "sessionTicket",
      ticket: {
        ticket: t.ticket.slice(),
        psk: resumptionPsk(this.#hash, ks.resumptionMasterSecret, t.nonce),
        cipherSuite: this.cipherSuite,
        lifetime: t.lifetime,
        ageAdd: t.ageAdd,
        receivedAt: this.now,
        maxEarlyData,
        serverName: this.#o.serverName,
        alpnProtocol: this.alpnProtocol,
        transportParameters: this.peerTransportParameters?.slice(),
      },
    });
  }
}
