/**
 * The server's side of resumption (RFC 8446 §4.2.11, §4.6.1, §8): choosing a
 * PSK among the identities a ClientHello offers (opening our own tickets and
 * checking the binder), deciding whether to accept 0-RTT, and issuing
 * NewSessionTicket messages. Pure functions of their inputs, so TlsServer
 * keeps only the state machine.
 * @module
 */
import { AlertDescription, TlsAlertError } from "./alert.ts";
import { encodeU32, ExtensionType } from "./extensions.ts";
import { decodeOfferedPsks } from "./extensions_psk.ts";
import { constantTimeEqual, finishedVerifyData, KeySchedule, suiteHash } from "./key_schedule.ts";
import { encodeNewSessionTicket } from "./messages.ts";
import type { ParsedClientHello } from "./messages_hello.ts";
import {
  type AntiReplayGuard,
  decodeTicketState,
  encodeTicketState,
  type TicketKeyRing,
  type TicketState,
} from "./session_ticket.ts";
import type { Transcript } from "./transcript.ts";
import type { RawExtension } from "./types.ts";

/** RFC 8446 §8.3: accept 0-RTT only when the ticket age is this close to ours. */
const MAX_TICKET_AGE_SKEW_MS = 10_000;

/**
 * A PSK the server accepted from the client's pre_shared_key extension.
 *
 * @example
 * ```ts
 * import type { AcceptedPsk } from "@gquic/core/crypto";
 * const f = (p: AcceptedPsk) => p.index;
 * console.log(typeof f);
 * ```
 */
export interface AcceptedPsk {
  /** The resumption PSK. */
  psk: Uint8Array;
  /** What the ticket sealed. */
  state: TicketState;
  /** Index of the identity (the ServerHello's selected_identity). */
  index: number;
  /** The ticket as offered (the anti-replay key). */
  identity: Uint8Array;
  /** obfuscated_ticket_age as offered. */
  obfuscatedAge: number;
}

/**
 * What {@link choosePsk} needs besides the ClientHello.
 *
 * @example
 * ```ts
 * import type { PskChoiceContext } from "@gquic/core/crypto";
 * const f = (c: PskChoiceContext) => c.second;
 * console.log(typeof f);
 * ```
 */
export interface PskChoiceContext {
  /** Our ticket keys. */
  ticketKeys: TicketKeyRing;
  /** The server's suites in preference order. */
  suites: number[];
  /** The suite chosen so far. */
  suite: number;
  /** True for the ClientHello after a HelloRetryRequest (the suite is then fixed). */
  second: boolean;
  /** SNI the client sent ("" if none): tickets are bound to it. */
  serverName: string;
  /** Transcript before this ClientHello (empty, or message_hash + HelloRetryRequest). */
  transcript: Transcript;
  /** Current time, ms. */
  now: number;
}

/**
 * Finds the first offered identity that is a live ticket of ours for this
 * server name with a usable hash, verifies its binder over the truncated
 * ClientHello (RFC 8446 §4.2.11.2; a wrong binder is decrypt_error), and
 * returns it with the suite to use (one with the PSK's hash). Undefined when
 * no identity is usable (a full handshake follows).
 *
 * @example
 * ```ts
 * import { choosePsk } from "@gquic/core/crypto";
 * console.log(typeof choosePsk); // "function"
 * ```
 */
export function choosePsk(
  raw: Uint8Array,
  ch: ParsedClientHello,
  c: PskChoiceContext,
): { psk: AcceptedPsk; suite: number } | undefined {
  const offered = decodeOfferedPsks(ch.extensions.get(ExtensionType.pre_shared_key)!);
  for (let i = 0; i < offered.identities.length; i++) {
    const id = offered.identities[i];
    const plain = c.ticketKeys.open(id.identity, c.now);
    const state = plain ? decodeTicketState(plain) : undefined;
    if (!state) continue;
    const age = c.now - state.issuedAt;
    if (age < 0 || age > state.lifetime * 1000) continue;
    if (state.serverName !== c.serverName) continue;
    const h = suiteHash(state.cipherSuite);
    if (!h) continue;
    let useSuite = c.suite;
    if (suiteHash(c.suite) !== h) {
      if (c.second) continue; // the suite is fixed by the HelloRetryRequest
      const alt = c.suites.find((s) => ch.cipherSuites.includes(s) && suiteHash(s) === h);
      if (alt === undefined) continue;
      useSuite = alt;
    }
    // RFC 8446 §4.2.11.2: verify the binder over the truncated ClientHello.
    const truncated = raw.subarray(0, 4 + ch.bindersOffset);
    const ks = new KeySchedule(h, state.psk);
    const expected = finishedVerifyData(h, ks.binderKey(), c.transcript.hash(h, truncated));
    if (!constantTimeEqual(expected, offered.binders[i])) {
      throw new TlsAlertError(AlertDescription.decrypt_error, "bad PSK binder");
    }
    return {
      psk: {
        psk: state.psk,
        state,
        index: i,
        identity: id.identity,
        obfuscatedAge: id.obfuscatedTicketAge,
      },
      suite: useSuite,
    };
  }
  return undefined;
}

/**
 * What {@link acceptEarlyData} compares the ticket with.
 *
 * @example
 * ```ts
 * import type { EarlyDataContext } from "@gquic/core/crypto";
 * const f = (c: EarlyDataContext) => c.cipherSuite;
 * console.log(typeof f);
 * ```
 */
export interface EarlyDataContext {
  /** The anti-replay store; without it 0-RTT is never accepted. */
  antiReplay: AntiReplayGuard | undefined;
  /** The suite of this handshake. */
  cipherSuite: number;
  /** The ALPN protocol of this handshake ("" if none). */
  alpn: string;
  /** This server's early-data context (transport parameters by default). */
  earlyDataContext: Uint8Array;
  /** Current time, ms. */
  now: number;
}

/**
 * Decides 0-RTT (RFC 8446 §4.2.10, §8; RFC 9001 §4.6.2): only for the first
 * identity, with the same suite, ALPN and early-data context as the ticket,
 * a client ticket age within 10 s of ours, and a ticket never used for 0-RTT
 * before. The caller has already checked QUIC mode and `enableEarlyData`.
 *
 * @example
 * ```ts
 * import { acceptEarlyData } from "@gquic/core/crypto";
 * console.log(typeof acceptEarlyData); // "function"
 * ```
 */
export function acceptEarlyData(p: AcceptedPsk, c: EarlyDataContext): boolean {
  const s = p.state;
  if (!c.antiReplay) return false;
  if (p.index !== 0 || s.maxEarlyData === 0) return false; // RFC 8446 §4.2.10
  if (s.cipherSuite !== c.cipherSuite) return false;
  if (s.alpn !== c.alpn) return false;
  if (!constantTimeEqual(s.earlyDataContext, c.earlyDataContext)) return false;
  // RFC 8446 §8.3: the client's view of the ticket age must match ours.
  const clientAge = (p.obfuscatedAge - s.ageAdd) >>> 0;
  const serverAge = c.now - s.issuedAt;
  if (Math.abs(clientAge - serverAge) > MAX_TICKET_AGE_SKEW_MS) return false;
  // RFC 8446 §8.1: each ticket is good for 0-RTT once.
  return c.antiReplay.checkAndRecord(
    p.identity,
    s.issuedAt + s.lifetime * 1000 + MAX_TICKET_AGE_SKEW_MS,
    c.now,
  );
}

/**
 * Seals `state` (whose `ageAdd` comes from `ageAddBytes`) into a ticket and
 * encodes the NewSessionTicket message (RFC 8446 §4.6.1), announcing
 * 0xffffffff bytes of early data when `state.maxEarlyData` is set, as QUIC
 * requires (RFC 9001 §4.6.1).
 *
 * @example
 * ```ts
 * import { newSessionTicketMessage, TicketKeyRing } from "@gquic/core/crypto";
 * const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
 * const m = newSessionTicketMessage(new TicketKeyRing({ random }), Uint8Array.of(0), {
 *   cipherSuite: 0x1301, issuedAt: 0, ageAdd: 7, lifetime: 60, maxEarlyData: 0,
 *   psk: new Uint8Array(32), alpn: "h3", earlyDataContext: new Uint8Array(0), serverName: "",
 * }, 0);
 * console.log(m[0]); // 4
 * ```
 */
export function newSessionTicketMessage(
  ticketKeys: TicketKeyRing,
  nonce: Uint8Array,
  state: TicketState,
  now: number,
): Uint8Array {
  const ticket = ticketKeys.seal(encodeTicketState(state), now);
  const exts: RawExtension[] = [];
  if (state.maxEarlyData) {
    exts.push({ type: ExtensionType.early_data, data: encodeU32(state.maxEarlyData) });
  }
  return encodeNewSessionTicket({
    lifetime: state.lifetime,
    ageAdd: state.ageAdd,
    nonce,
    ticket,
    extensions: exts,
  });
}
