/**
 * The TLS 1.3 server handshake for QUIC (RFC 8446 §4, RFC 9001 §4), sans-IO:
 * `receive` takes the client's handshake bytes per encryption level and
 * `pollEvent` yields the server flight, secrets to install, and completion.
 * @module
 */
import { digest, hashLength, type HashName } from "../hkdf.ts";
import { AlertDescription, TlsAlertError } from "./alert.ts";
import { verifyCertificateChain } from "./cert_verify.ts";
import type { TlsPrivateKey } from "./keys.ts";
import {
  certificateMessage,
  certificateRequestMessage,
  encryptedExtensionsMessage,
} from "./server_flight.ts";
import { decodeCookie, decodeServerName, decodeU16List, ExtensionType } from "./extensions.ts";
import type { KeyShareEntry } from "./extensions_key_share.ts";
import { decodeOfferedPsks, decodePskModes, PSK_DHE_KE } from "./extensions_psk.ts";
import { illegalParameter } from "./tls_codec.ts";
import {
  concatBytes,
  HandshakeEndpoint,
  type HandshakeMessage,
  protocolViolation,
  unexpected,
} from "./handshake.ts";
import {
  constantTimeEqual,
  finishedVerifyData,
  KeySchedule,
  resumptionPsk,
  suiteHash,
} from "./key_schedule.ts";
import { serverKeyExchange } from "./key_share.ts";
import { KeyLogLabel } from "./keylog.ts";
import { decodeCertificate, HandshakeType, messageHash } from "./messages.ts";
import { decodeClientHello, type ParsedClientHello } from "./messages_hello.ts";
import {
  acceptEarlyData,
  type AcceptedPsk,
  choosePsk,
  newSessionTicketMessage,
} from "./server_resumption.ts";
import {
  checkClientOffersTls13,
  clientGroupsAndShares,
  encodeHelloRetryRequest,
  missingExtension,
  negotiateAlpn,
  serverHelloMessage,
} from "./server_hello.ts";
import { signatureSchemesForKey, verifySignature } from "./signature.ts";
import { Transcript } from "./transcript.ts";
import { EncryptionLevel, type EncryptionLevelValue, type TlsServerOptions } from "./types.ts";

const enum State {
  WaitClientHello,
  WaitClientHello2,
  WaitCertificate,
  WaitCertificateVerify,
  WaitFinished,
  Connected,
}

/**
 * A TLS 1.3 server.
 *
 * @example
 * ```ts
 * import { createCertificate, TlsServer } from "@gquic/core/crypto";
 * const cert = createCertificate({ subject: "localhost", sanDns: ["localhost"] });
 * const server = new TlsServer({
 *   random: (n) => crypto.getRandomValues(new Uint8Array(n)),
 *   certificateChain: [cert.certDer],
 *   privateKey: cert.key,
 *   alpnProtocols: ["h3"],
 *   transportParameters: new Uint8Array(0),
 * });
 * console.log(server.pollEvent()); // undefined
 * ```
 */
export class TlsServer extends HandshakeEndpoint {
  readonly #o: TlsServerOptions;
  #state = State.WaitClientHello;
  #transcript = new Transcript();
  #hash: HashName = "sha256";
  #ks: KeySchedule | undefined;
  #hrrGroup = 0;
  #cookie: Uint8Array | undefined;
  #sessionId: Uint8Array = new Uint8Array(0);
  #clientSpki: Uint8Array | undefined;
  #requestedClientCert = false;
  #earlyDataContext: Uint8Array;
  /** SNI the client sent. */
  serverName: string | undefined = undefined;
  /** Signature scheme of our CertificateVerify (0 when resumed). */
  signatureScheme = 0;

  /**
   * Creates a server waiting for a ClientHello.
   * @param options server options
   */
  constructor(options: TlsServerOptions) {
    super(options);
    this.#o = options;
    this.#earlyDataContext = options.earlyDataContext ?? options.transportParameters ??
      new Uint8Array(0);
  }

  /** True: this is the server. */
  protected get isServer(): boolean {
    return true;
  }

  /** The key schedule (after ClientHello), for tests and exporters. */
  get keySchedule(): KeySchedule | undefined {
    return this.#ks;
  }

  /** Handles one client message. */
  protected handleMessage(level: EncryptionLevelValue, msg: HandshakeMessage): void {
    const want = (lvl: number, type: number) => {
      if (level !== lvl || msg.type !== type) {
        // RFC 9001 §8.3: EndOfEarlyData does not exist in QUIC.
        if (this.quic && msg.type === HandshakeType.end_of_early_data) {
          throw protocolViolation("EndOfEarlyData in QUIC");
        }
        throw unexpected(`handshake message ${msg.type} at level ${level} in state ${this.#state}`);
      }
    };
    switch (this.#state) {
      case State.WaitClientHello:
      case State.WaitClientHello2:
        want(EncryptionLevel.Initial, HandshakeType.client_hello);
        return this.#onClientHello(msg);
      case State.WaitCertificate:
        want(EncryptionLevel.Handshake, HandshakeType.certificate);
        return this.#onCertificate(msg);
      case State.WaitCertificateVerify:
        want(EncryptionLevel.Handshake, HandshakeType.certificate_verify);
        return this.#onCertificateVerify(msg);
      case State.WaitFinished:
        want(EncryptionLevel.Handshake, HandshakeType.finished);
        return this.#onFinished(msg);
      default:
        // RFC 9001 §6: no KeyUpdate; nothing else comes after the client's Finished.
        throw unexpected(`handshake message ${msg.type} after the handshake`);
    }
  }

  #onClientHello(msg: HandshakeMessage): void {
    const o = this.#o;
    const ch = decodeClientHello(msg.body);
    let second = this.#state === State.WaitClientHello2;
    const ext = ch.extensions;
    const cookieExt = ext.get(ExtensionType.cookie);
    if (!second && cookieExt && o.helloRetryCookieSealer) {
      // RFC 8446 §4.2.2: a stateless server continues from what the cookie sealed.
      this.#restoreFromCookie(ch, decodeCookie(cookieExt));
      second = true;
    }

    // RFC 8446 §4.2.1: TLS 1.3 is negotiated only through supported_versions.
    checkClientOffersTls13(ext, ch.legacyVersion);
    // RFC 9001 §8.4: a non-empty legacy_session_id is a PROTOCOL_VIOLATION in QUIC.
    if (this.quic && ch.sessionId.length !== 0) throw protocolViolation("legacy_session_id set");
    if (second) {
      if (!constantTimeEqual(ch.random, this.clientRandom)) {
        throw illegalParameter("ClientHello2 random differs");
      }
      // RFC 8446 §4.1.2: early_data is not allowed after HelloRetryRequest.
      if (ext.has(ExtensionType.early_data)) throw illegalParameter("early_data in ClientHello2");
      if (this.#cookie) {
        const c = ext.get(ExtensionType.cookie);
        if (!c || !constantTimeEqual(decodeCookie(c), this.#cookie)) {
          throw illegalParameter("cookie missing or wrong");
        }
      }
    }
    this.clientRandom = ch.random.slice();
    this.#sessionId = ch.sessionId.slice();

    // Cipher suite: our preference among the client's (GREASE is just unknown).
    let suite = this.suites.find((s) => ch.cipherSuites.includes(s));
    if (suite === undefined) {
      throw new TlsAlertError(AlertDescription.handshake_failure, "no common cipher suite");
    }
    if (second && suite !== this.cipherSuite) {
      if (!ch.cipherSuites.includes(this.cipherSuite)) {
        throw illegalParameter("ClientHello2 dropped the selected suite");
      }
      suite = this.cipherSuite;
    }

    // Groups and key shares (RFC 8446 §4.2.7, §4.2.8, §9.2).
    const { groups: clientGroups, shares } = clientGroupsAndShares(ext);
    const pskExt = ext.get(ExtensionType.pre_shared_key);
    if (!pskExt && !ext.has(ExtensionType.signature_algorithms)) {
      throw missingExtension("signature_algorithms");
    }

    const sni = ext.get(ExtensionType.server_name);
    this.serverName = sni ? decodeServerName(sni) : undefined;

    // ALPN (RFC 7301 §3.2; RFC 9001 §8.1 makes it mandatory for QUIC).
    const alpn = negotiateAlpn(
      ext.get(ExtensionType.application_layer_protocol_negotiation),
      o.alpnProtocols ?? [],
      this.quic,
    );
    if (alpn !== undefined) this.alpnProtocol = alpn;

    // RFC 9001 §8.2: transport parameters are mandatory in QUIC.
    const tp = ext.get(ExtensionType.quic_transport_parameters);
    if (this.quic) {
      if (!tp) throw missingExtension("quic_transport_parameters");
      this.peerTransportParameters = tp;
    }

    // Key share selection: prefer a group the client already sent a share for.
    let share: KeyShareEntry | undefined;
    if (second) {
      share = shares.find((s) => s.group === this.#hrrGroup);
      if (!share) {
        throw illegalParameter("ClientHello2 lacks the requested key share");
      }
    } else {
      for (const g of this.groups) {
        share = shares.find((s) => s.group === g);
        if (share) break;
      }
    }
    const hrrGroup = share ? 0 : this.groups.find((g) => clientGroups.includes(g));
    if (!share && hrrGroup === undefined) {
      throw new TlsAlertError(AlertDescription.handshake_failure, "no common group");
    }
    if (!second && (!share || o.helloRetryCookie)) {
      this.#hrrGroup = share ? share.group : hrrGroup!;
      return this.#sendHelloRetryRequest(msg, ch, suite, share ? 0 : hrrGroup!);
    }

    // Resumption (RFC 8446 §4.2.11): may change the suite to one with the PSK's hash.
    let accepted: AcceptedPsk | undefined;
    if (pskExt && o.ticketKeys) {
      const modes = ext.get(ExtensionType.psk_key_exchange_modes);
      if (!modes) throw missingExtension("psk_key_exchange_modes");
      if (decodePskModes(modes).includes(PSK_DHE_KE)) {
        const r = choosePsk(msg.raw, ch, {
          ticketKeys: o.ticketKeys,
          suites: this.suites,
          suite,
          second,
          serverName: this.serverName ?? "",
          transcript: this.#transcript,
          now: this.now,
        });
        if (r) {
          accepted = r.psk;
          suite = r.suite;
        }
      }
    } else if (pskExt) {
      decodeOfferedPsks(pskExt); // still validate its syntax
    }
    this.cipherSuite = suite;
    this.#hash = suiteHash(suite)!;

    // 0-RTT decision (RFC 8446 §4.2.10, §8; RFC 9001 §4.6.2).
    const offeredEarly = ext.has(ExtensionType.early_data);
    if (offeredEarly && accepted && !second) {
      // RFC 9001 §4.6.2: 0-RTT only in QUIC here, and only when enabled.
      this.earlyDataAccepted = this.quic && !!o.enableEarlyData &&
        acceptEarlyData(accepted, {
          antiReplay: o.antiReplay,
          cipherSuite: suite,
          alpn: this.alpnProtocol ?? "",
          earlyDataContext: this.#earlyDataContext,
          now: this.now,
        });
    }

    // Key exchange. The server random is drawn before the key share (RFC 8448 order).
    const random = this.random(32);
    const kx = serverKeyExchange(share!.group, share!.keyExchange, this.random);
    this.group = share!.group;

    this.#transcript.add(msg.raw);
    const ks = new KeySchedule(this.#hash, accepted?.psk);
    this.#ks = ks;
    if (this.earlyDataAccepted) {
      const early = ks.clientEarlyTrafficSecret(this.#transcript.hash(this.#hash));
      this.logSecret(KeyLogLabel.clientEarly, early);
      this.emit({
        type: "secrets",
        level: EncryptionLevel.ZeroRtt,
        cipherSuite: suite,
        read: early,
      });
      this.emit({ type: "earlyDataAccepted" });
    } else if (offeredEarly) {
      this.emit({ type: "earlyDataRejected" });
    }

    if (accepted) this.resumed = true;
    const sh = serverHelloMessage({
      random,
      sessionId: this.#sessionId,
      cipherSuite: suite,
      group: share!.group,
      keyExchange: kx.keyExchange,
      pskIndex: accepted?.index,
    });
    this.#transcript.add(sh);
    ks.handshake(kx.sharedSecret, this.#transcript.hash(this.#hash));
    this.assertLevelDrained(EncryptionLevel.Initial);
    this.emit({ type: "handshakeData", level: EncryptionLevel.Initial, data: sh });
    this.installHandshakeSecrets(ks);

    // Second flight: EncryptedExtensions [CertificateRequest Certificate CertificateVerify] Finished.
    const flight: Uint8Array[] = [];
    let certificate: Uint8Array | undefined;
    let signer: { key: TlsPrivateKey; scheme: number } | undefined;
    const ee = encryptedExtensionsMessage({
      alpnProtocol: this.alpnProtocol,
      transportParameters: this.quic ? o.transportParameters : undefined,
      earlyDataAccepted: this.earlyDataAccepted,
      customize: o.customizeEncryptedExtensions,
    });
    this.#transcript.add(ee);
    flight.push(ee);
    if (!accepted) {
      const theirSchemes = decodeU16List(
        ext.get(ExtensionType.signature_algorithms)!,
        2,
        "signature_algorithms",
      );
      const scheme = signatureSchemesForKey(o.privateKey).find((s) => theirSchemes.includes(s));
      if (scheme === undefined) {
        throw new TlsAlertError(AlertDescription.handshake_failure, "no common signature scheme");
      }
      if (o.requestClientCertificate || o.requireClientCertificate) {
        this.#requestedClientCert = true;
        const cr = certificateRequestMessage();
        this.#transcript.add(cr);
        flight.push(cr);
      }
      certificate = certificateMessage(o.certificateChain);
      signer = { key: o.privateKey, scheme };
      this.signatureScheme = scheme;
    }
    this.appendAuthentication(
      this.#transcript,
      this.#hash,
      flight,
      certificate,
      signer,
      ks.serverHandshakeTrafficSecret,
    );
    ks.application(this.#transcript.hash(this.#hash));
    this.emit({
      type: "handshakeData",
      level: EncryptionLevel.Handshake,
      data: concatBytes(flight),
    });
    this.logApplicationSecrets(ks);
    // RFC 9001 §4.1.1 / §5.7: the server may send 1-RTT data now; it reads 1-RTT after Finished.
    this.emit({
      type: "secrets",
      level: EncryptionLevel.OneRtt,
      cipherSuite: suite,
      write: ks.serverApplicationTrafficSecret,
    });
    this.#state = this.#requestedClientCert ? State.WaitCertificate : State.WaitFinished;
    if (this.quic && !this.#requestedClientCert) this.#sendTicketsEarly(ks);
  }

  #ticketsSent = false;

  /**
   * RFC 8446 §4.6.1 (Note): a server that does not authenticate the client
   * may compute the rest of the transcript (the client Finished it expects)
   * and send NewSessionTicket right after its own Finished. In QUIC that is
   * 0.5-RTT data (RFC 9001 §4.1.1): a client that closes as soon as its
   * handshake completes still receives a ticket (with HANDSHAKE_DONE it
   * would arrive after the close) and resumes next time. A client whose
   * Finished differs is rejected in #onFinished, and could not derive the
   * resumption secret without the handshake secrets anyway.
   */
  #sendTicketsEarly(ks: KeySchedule): void {
    const n = this.#o.ticketKeys ? (this.#o.ticketCount ?? 1) : 0;
    if (n === 0) return;
    const verifyData = finishedVerifyData(
      this.#hash,
      ks.clientHandshakeTrafficSecret,
      this.#transcript.hash(this.#hash),
    );
    const clientFinished = new Uint8Array(4 + verifyData.length);
    clientFinished[0] = HandshakeType.finished;
    clientFinished[3] = verifyData.length;
    clientFinished.set(verifyData, 4);
    ks.resumption(this.#transcript.hash(this.#hash, clientFinished));
    for (let i = 0; i < n; i++) this.#sendTicket();
    this.#ticketsSent = true;
  }

  #sendHelloRetryRequest(
    msg: HandshakeMessage,
    ch: ParsedClientHello,
    suite: number,
    group: number,
  ): void {
    this.cipherSuite = suite;
    this.#hash = suiteHash(suite)!;
    const sealer = this.#o.helloRetryCookieSealer;
    if (sealer) {
      // RFC 8446 §4.2.2: the cookie carries Hash(ClientHello1) and what we chose.
      this.#cookie = sealer.seal({
        cipherSuite: suite,
        group: this.#hrrGroup,
        askedForGroup: group !== 0,
        clientRandom: this.clientRandom,
        clientHello1Hash: digest(this.#hash, msg.raw),
      }, this.now);
    } else if (this.#o.helloRetryCookie) {
      this.#cookie = this.random(32);
    }
    const hrr = encodeHelloRetryRequest(this.#sessionId, suite, group, this.#cookie);
    // RFC 8446 §4.4.1: ClientHello1 is replaced by message_hash.
    this.#transcript.add(msg.raw);
    this.#transcript.replaceWithMessageHash(this.#hash);
    this.#transcript.add(hrr);
    if (ch.extensions.has(ExtensionType.early_data)) this.emit({ type: "earlyDataRejected" });
    this.assertLevelDrained(EncryptionLevel.Initial);
    this.emit({ type: "handshakeData", level: EncryptionLevel.Initial, data: hrr });
    this.#state = State.WaitClientHello2;
  }

  /**
   * Rebuilds, from a sealed cookie, the state a stateful server keeps between
   * its HelloRetryRequest and ClientHello2: the suite, the group, ClientHello1's
   * random, and the transcript message_hash(ClientHello1) ‖ HelloRetryRequest
   * (RFC 8446 §4.4.1), re-encoding the HelloRetryRequest byte for byte.
   */
  #restoreFromCookie(ch: ParsedClientHello, cookie: Uint8Array): void {
    const s = this.#o.helloRetryCookieSealer!.open(cookie, this.now);
    const hash = s && suiteHash(s.cipherSuite);
    if (!s || !hash || s.clientHello1Hash.length !== hashLength(hash)) {
      throw illegalParameter("HelloRetryRequest cookie invalid or expired");
    }
    if (!this.suites.includes(s.cipherSuite) || !this.groups.includes(s.group)) {
      throw illegalParameter("HelloRetryRequest cookie names a suite or group we do not use");
    }
    this.cipherSuite = s.cipherSuite;
    this.#hash = hash;
    this.#hrrGroup = s.group;
    this.clientRandom = s.clientRandom;
    this.#cookie = cookie;
    this.#sessionId = ch.sessionId.slice();
    this.#transcript.add(messageHash(s.clientHello1Hash));
    this.#transcript.add(
      encodeHelloRetryRequest(
        this.#sessionId,
        s.cipherSuite,
        s.askedForGroup ? s.group : 0,
        cookie,
      ),
    );
  }

  #onCertificate(msg: HandshakeMessage): void {
    const cm = decodeCertificate(msg.body);
    if (cm.context.length !== 0) throw illegalParameter("wrong certificate_request_context");
    if (cm.certificates.length === 0) {
      if (this.#o.requireClientCertificate) {
        throw new TlsAlertError(
          AlertDescription.certificate_required,
          "client sent no certificate",
        );
      }
      this.#transcript.add(msg.raw);
      this.#state = State.WaitFinished;
      return;
    }
    const leaf = verifyCertificateChain(cm.certificates, {
      trustAnchors: this.#o.clientCaCerts ?? [],
      now: this.now,
      purpose: "clientAuth",
    });
    this.#clientSpki = leaf.spki;
    this.peerCertificates = cm.certificates;
    this.#transcript.add(msg.raw);
    this.#state = State.WaitCertificateVerify;
  }

  #onCertificateVerify(msg: HandshakeMessage): void {
    this.checkPeerCertificateVerify(
      msg.body,
      this.#transcript.hash(this.#hash),
      this.#clientSpki!,
      verifySignature,
    );
    this.#transcript.add(msg.raw);
    this.#state = State.WaitFinished;
  }

  #onFinished(msg: HandshakeMessage): void {
    const ks = this.#ks!;
    this.checkPeerFinished(
      this.#hash,
      ks.clientHandshakeTrafficSecret,
      this.#transcript.hash(this.#hash),
      msg.body,
    );
    this.#transcript.add(msg.raw);
    ks.resumption(this.#transcript.hash(this.#hash));
    this.assertLevelDrained(EncryptionLevel.Handshake);
    this.emit({
      type: "secrets",
      level: EncryptionLevel.OneRtt,
      cipherSuite: this.cipherSuite,
      read: ks.clientApplicationTrafficSecret,
    });
    this.handshakeComplete = true;
    this.#state = State.Connected;
    this.emit({ type: "handshakeComplete" });
    const n = this.#o.ticketKeys && !this.#ticketsSent ? (this.#o.ticketCount ?? 1) : 0;
    for (let i = 0; i < n; i++) this.#sendTicket();
  }

  /**
   * Issues one more NewSessionTicket at the 1-RTT level (after completion).
   * Needs `ticketKeys`.
   */
  sendSessionTicket(now: number): void {
    this.guard(() => {
      if (!this.handshakeComplete || !this.#o.ticketKeys) {
        throw unexpected("cannot issue a ticket now");
      }
      this.now = now;
      this.#sendTicket();
    });
  }

  #ticketNonce = 0;

  #sendTicket(): void {
    const o = this.#o;
    const nonce = Uint8Array.of(this.#ticketNonce++ & 0xff);
    const r = this.random(4);
    // RFC 9001 §4.6.1: in QUIC, max_early_data_size is 0xffffffff.
    const maxEarlyData = this.quic && o.enableEarlyData ? 0xffffffff : 0;
    const data = newSessionTicketMessage(o.ticketKeys!, nonce, {
      cipherSuite: this.cipherSuite,
      issuedAt: this.now,
      ageAdd: ((r[0] << 24) | (r[1] << 16) | (r[2] << 8) | r[3]) >>> 0,
      lifetime: Math.min(o.ticketLifetime ?? 86400, 604800),
      maxEarlyData,
      psk: resumptionPsk(this.#hash, this.#ks!.resumptionMasterSecret, nonce),
      alpn: this.alpnProtocol ?? "",
      earlyDataContext: this.#earlyDataContext,
      serverName: this.serverName ?? "",
    }, this.now);
    this.emit({ type: "handshakeData", level: EncryptionLevel.OneRtt, data });
  }
}
