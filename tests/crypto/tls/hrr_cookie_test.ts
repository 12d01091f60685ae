// Stateless HelloRetryRequest cookies (RFC 8446 §4.2.2): the server that sent
// the HelloRetryRequest is thrown away and a fresh TlsServer with the same
// sealer finishes the handshake from ClientHello2 alone (full and resumed);
// forged, altered, expired and foreign cookies are illegal_parameter.
import assert from "node:assert/strict";
import fc from "fast-check";
import { AlertDescription, TlsAlertError } from "../../../crypto/tls/alert.ts";
import { TlsClient } from "../../../crypto/tls/client.ts";
import { ExtensionType } from "../../../crypto/tls/extensions.ts";
import {
  HelloRetryCookieSealer,
  type HelloRetryCookieState,
} from "../../../crypto/tls/hrr_cookie.ts";
import { TlsServer } from "../../../crypto/tls/server.ts";
import { TicketKeyRing } from "../../../crypto/tls/session_ticket.ts";
import {
  EncryptionLevel,
  NamedGroup,
  type TlsEvent,
  type TlsServerOptions,
} from "../../../crypto/tls/types.ts";
import {
  clientOptions,
  hex,
  type Log,
  pki,
  pump,
  secrets,
  seededRandom,
  serverOptions,
} from "./handshake_harness.ts";

const NOW = Date.now();
const KEY = seededRandom(77)(32);

function drain(ep: TlsClient | TlsServer, into: TlsEvent[]): Uint8Array[] {
  const data: Uint8Array[] = [];
  for (let e; (e = ep.pollEvent());) {
    into.push(e);
    if (e.type === "handshakeData") data.push(e.data);
  }
  return data;
}

/**
 * ClientHello1 → server A → HelloRetryRequest → client → ClientHello2, which
 * `edit` may alter; returns the client and ClientHello2. Server A is dropped.
 */
function throughRetry(
  serverA: Partial<TlsServerOptions>,
  client: TlsClient,
  clientEvents: TlsEvent[],
): Uint8Array {
  const a = new TlsServer(serverOptions(pki(), { random: seededRandom(3), ...serverA }));
  client.start(NOW);
  const [ch1] = drain(client, clientEvents);
  a.receive(EncryptionLevel.Initial, ch1, NOW);
  const [hrr] = drain(a, []);
  client.receive(EncryptionLevel.Initial, hrr, NOW);
  const [ch2] = drain(client, clientEvents);
  assert.ok(ch2, "the client answered the HelloRetryRequest");
  return ch2;
}

/** Finishes the handshake between `client` and a fresh server B. */
function finishWith(b: TlsServer, client: TlsClient, ch2: Uint8Array, log: Log, at = NOW): void {
  b.receive(EncryptionLevel.Initial, ch2, at);
  for (let round = 0; round < 10; round++) {
    let moved = false;
    for (const d of drainLevels(b, log.serverEvents)) {
      moved = true;
      client.receive(d.level, d.data, at);
    }
    for (const d of drainLevels(client, log.clientEvents)) {
      moved = true;
      b.receive(d.level, d.data, at);
    }
    if (!moved) return;
  }
}

function drainLevels(ep: TlsClient | TlsServer, into: TlsEvent[]) {
  const out: { level: 0 | 2 | 3; data: Uint8Array }[] = [];
  for (let e; (e = ep.pollEvent());) {
    into.push(e);
    if (e.type === "handshakeData") out.push({ level: e.level as 0 | 2 | 3, data: e.data });
  }
  return out;
}

function assertAgree(log: Log): void {
  const c = secrets(log.clientEvents), s = secrets(log.serverEvents);
  for (const l of [2, 3]) {
    assert.equal(hex(c.get(`${l}/write`)!), hex(s.get(`${l}/read`)!));
    assert.equal(hex(s.get(`${l}/write`)!), hex(c.get(`${l}/read`)!));
  }
}

function isIllegal(e: unknown): boolean {
  return e instanceof TlsAlertError && e.alert === AlertDescription.illegal_parameter;
}

for (
  const [name, serverA] of [
    ["a forced retry", { helloRetryCookie: true }],
    ["a retry for another group", { groups: [NamedGroup.secp256r1] }],
  ] as [string, Partial<TlsServerOptions>][]
) {
  Deno.test(`hrr cookie: a fresh server finishes ${name} from ClientHello2 alone`, () => {
    const sealer = new HelloRetryCookieSealer({ key: KEY });
    const log: Log = { clientEvents: [], serverEvents: [], tickets: [] };
    const client = new TlsClient(clientOptions(pki()));
    const ch2 = throughRetry({ ...serverA, helloRetryCookieSealer: sealer }, client, []);
    const b = new TlsServer(
      serverOptions(pki(), { ...serverA, helloRetryCookieSealer: sealer, random: seededRandom(4) }),
    );
    finishWith(b, client, ch2, log);
    assert.ok(client.handshakeComplete && b.handshakeComplete);
    assertAgree(log);
    if (serverA.groups) assert.equal(b.group, NamedGroup.secp256r1);
  });
}

Deno.test("hrr cookie: resumption through a stateless retry (binder over message_hash ‖ HRR)", () => {
  const p = pki();
  const ring = new TicketKeyRing({ random: seededRandom(9) });
  const first = pump(
    new TlsClient(clientOptions(p)),
    new TlsServer(serverOptions(p, { ticketKeys: ring })),
    NOW,
  );
  const session = first.tickets[0];
  assert.ok(session);
  const sealer = new HelloRetryCookieSealer({ key: KEY });
  const opts = { helloRetryCookie: true, helloRetryCookieSealer: sealer, ticketKeys: ring };
  const client = new TlsClient(clientOptions(p, { session, random: seededRandom(11) }));
  const ch2 = throughRetry(opts, client, []);
  const b = new TlsServer(serverOptions(p, { ...opts, random: seededRandom(12) }));
  const log: Log = { clientEvents: [], serverEvents: [], tickets: [] };
  finishWith(b, client, ch2, log, NOW + 1000);
  assert.ok(client.handshakeComplete && b.handshakeComplete);
  assert.ok(client.resumed && b.resumed);
  assertAgree(log);
});

/** Flips one byte inside the cookie extension of ClientHello2. */
function flipCookieByte(ch2: Uint8Array): Uint8Array {
  const out = ch2.slice();
  const marker = [0x00, 0x2c]; // extension type 44 (cookie)
  for (let i = 0; i + 6 < out.length; i++) {
    if (out[i] === marker[0] && out[i + 1] === marker[1]) {
      out[i + 6 + 20] ^= 0x40; // inside the sealed state, past both length fields
      return out;
    }
  }
  throw new Error("no cookie in ClientHello2");
}

Deno.test("hrr cookie: altered, expired and foreign cookies are illegal_parameter", () => {
  const sealer = new HelloRetryCookieSealer({ key: KEY, lifetime: 10_000 });
  const serverB = (s: HelloRetryCookieSealer) =>
    new TlsServer(serverOptions(pki(), { helloRetryCookie: true, helloRetryCookieSealer: s }));
  const fresh = () =>
    throughRetry(
      { helloRetryCookie: true, helloRetryCookieSealer: sealer },
      new TlsClient(clientOptions(pki())),
      [],
    );
  const ch2 = fresh();
  // The unaltered ClientHello2 is accepted (so the failures below are the cookie's).
  serverB(sealer).receive(EncryptionLevel.Initial, ch2, NOW);
  assert.throws(
    () => serverB(sealer).receive(EncryptionLevel.Initial, flipCookieByte(fresh()), NOW),
    isIllegal,
  );
  assert.throws(
    () => serverB(sealer).receive(EncryptionLevel.Initial, fresh(), NOW + 10_001),
    isIllegal,
  );
  const other = new HelloRetryCookieSealer({ key: seededRandom(78)(32) });
  assert.throws(() => serverB(other).receive(EncryptionLevel.Initial, fresh(), NOW), isIllegal);
});

Deno.test("hrr cookie: a cookie in the first ClientHello is illegal_parameter", () => {
  const sealer = new HelloRetryCookieSealer({ key: KEY });
  const client = new TlsClient(clientOptions(pki(), {
    customizeClientHelloExtensions: (exts) => [
      ...exts,
      { type: ExtensionType.cookie, data: Uint8Array.of(0, 3, 1, 2, 3) },
    ],
  }));
  client.start(NOW);
  const [ch1] = drain(client, []);
  const server = new TlsServer(serverOptions(pki(), { helloRetryCookieSealer: sealer }));
  assert.throws(() => server.receive(EncryptionLevel.Initial, ch1, NOW), isIllegal);
});

Deno.test("hrr cookie: seal/open round-trips, and any altered byte is refused", () => {
  const sealer = new HelloRetryCookieSealer({ key: KEY, lifetime: 5000 });
  const state = fc.record({
    cipherSuite: fc.integer({ min: 0, max: 0xffff }),
    group: fc.integer({ min: 0, max: 0xffff }),
    askedForGroup: fc.boolean(),
    clientRandom: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    clientHello1Hash: fc.uint8Array({ minLength: 32, maxLength: 48 }),
  });
  fc.assert(
    fc.property(
      state,
      fc.integer({ min: 0, max: 2 ** 47 }),
      fc.nat(),
      fc.integer({ min: 1, max: 255 }),
      (s: HelloRetryCookieState, now, pos, flip) => {
        const cookie = sealer.seal(s, now);
        assert.deepEqual(sealer.open(cookie, now + 5000), { ...s }); // fast-check records have a null prototype
        assert.equal(sealer.open(cookie, now + 5001), undefined);
        assert.equal(sealer.open(cookie, now - 1), undefined);
        const bad = cookie.slice();
        bad[pos % bad.length] ^= flip;
        assert.equal(sealer.open(bad, now), undefined);
        assert.equal(sealer.open(cookie.subarray(0, cookie.length - 1), now), undefined);
      },
    ),
    { seed: 4222, numRuns: 300 },
  );
});
