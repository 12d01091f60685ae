// Seeded fuzzing of both handshake state machines and the message decoders:
// truncated, garbled, extended and re-split messages must yield only typed
// errors (TlsAlertError / QuicError), never RangeError/TypeError or a hang.
// 22,000 cases in all.
import assert from "node:assert/strict";
import fc from "fast-check";
import { TlsAlertError } from "../../../crypto/tls/alert.ts";
import { TlsClient } from "../../../crypto/tls/client.ts";
import { TlsServer } from "../../../crypto/tls/server.ts";
import * as M from "../../../crypto/tls/messages.ts";
import * as MH from "../../../crypto/tls/messages_hello.ts";
import * as X from "../../../crypto/tls/extensions.ts";
import * as KS from "../../../crypto/tls/extensions_key_share.ts";
import * as PSK from "../../../crypto/tls/extensions_psk.ts";
import * as C from "../../../crypto/tls/tls_codec.ts";
import { decodeTicketState } from "../../../crypto/tls/session_ticket.ts";
import { QuicError } from "../../../quic/proto/errors.ts";
import { EncryptionLevel, type EncryptionLevelValue } from "../../../crypto/tls/types.ts";
import { clientOptions, pki, seededRandom, serverOptions } from "./handshake_harness.ts";

const NOW = Date.now();
const P = pki("ed25519"); // the cheapest signatures keep 20k cases fast

type Mutation = { kind: number; pos: number; byte: number; len: number };
const mutationArb = fc.array(
  fc.record({
    kind: fc.integer({ min: 0, max: 4 }),
    pos: fc.nat(),
    byte: fc.integer({ min: 0, max: 255 }),
    len: fc.integer({ min: 1, max: 16 }),
  }),
  { minLength: 1, maxLength: 3 },
);

function mutate(input: Uint8Array, muts: Mutation[]): Uint8Array {
  let b = input.slice();
  for (const m of muts) {
    const pos = b.length === 0 ? 0 : m.pos % b.length;
    switch (m.kind) {
      case 0: // flip bits
        if (b.length) b[pos] ^= m.byte || 1;
        break;
      case 1: // truncate
        b = b.subarray(0, pos);
        break;
      case 2: { // insert bytes
        const ins = new Uint8Array(m.len).fill(m.byte);
        const out = new Uint8Array(b.length + m.len);
        out.set(b.subarray(0, pos));
        out.set(ins, pos);
        out.set(b.subarray(pos), pos + m.len);
        b = out;
        break;
      }
      case 3: { // delete bytes
        const end = Math.min(b.length, pos + m.len);
        const out = new Uint8Array(b.length - (end - pos));
        out.set(b.subarray(0, pos));
        out.set(b.subarray(end), pos);
        b = out;
        break;
      }
      case 4: // set a byte (hits length fields and code points)
        if (b.length) b[pos] = m.byte;
        break;
    }
  }
  return b;
}

function typedOnly(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof TlsAlertError || e instanceof QuicError) return;
    throw e;
  }
}

function feed(
  to: TlsClient | TlsServer,
  level: EncryptionLevelValue,
  data: Uint8Array,
  split: number,
): void {
  const at = data.length ? split % (data.length + 1) : 0;
  to.receive(level, data.subarray(0, at), NOW);
  to.receive(level, data.subarray(at), NOW);
}

// One reference handshake, recorded message by message.
function reference() {
  const client = new TlsClient(clientOptions(P, { random: seededRandom(5) }));
  const server = new TlsServer(
    serverOptions(P, { random: seededRandom(6), requestClientCertificate: true }),
  );
  client.start(NOW);
  const ch = client.pollEvent();
  assert.ok(ch?.type === "handshakeData");
  server.receive(ch.level, ch.data, NOW);
  const out: Uint8Array[] = [];
  for (let e; (e = server.pollEvent());) if (e.type === "handshakeData") out.push(e.data);
  const [sh, flight] = out;
  client.receive(EncryptionLevel.Initial, sh, NOW);
  client.receive(EncryptionLevel.Handshake, flight, NOW);
  let fin: Uint8Array | undefined;
  for (let e; (e = client.pollEvent());) if (e.type === "handshakeData") fin = e.data;
  return { ch: ch.data, sh, flight, fin: fin! };
}
const REF = reference();

const freshClient = () => {
  const c = new TlsClient(clientOptions(P, { random: seededRandom(5) }));
  c.start(NOW);
  c.pollEvent();
  return c;
};
const freshServer = () =>
  new TlsServer(serverOptions(P, { random: seededRandom(6), requestClientCertificate: true }));

Deno.test("fuzz: the reference handshake itself succeeds", () => {
  const server = freshServer();
  server.receive(EncryptionLevel.Initial, REF.ch, NOW);
  server.receive(EncryptionLevel.Handshake, REF.fin, NOW);
  assert.ok(server.handshakeComplete);
});

Deno.test("fuzz: server fed 7,000 mutated ClientHellos", () => {
  fc.assert(
    fc.property(mutationArb, fc.nat(), (muts, split) => {
      typedOnly(() => feed(freshServer(), EncryptionLevel.Initial, mutate(REF.ch, muts), split));
    }),
    { seed: 8448, numRuns: 7000 },
  );
});

Deno.test("fuzz: client fed 5,000 mutated ServerHellos", () => {
  fc.assert(
    fc.property(mutationArb, fc.nat(), (muts, split) => {
      typedOnly(() => feed(freshClient(), EncryptionLevel.Initial, mutate(REF.sh, muts), split));
    }),
    { seed: 9001, numRuns: 5000 },
  );
});

Deno.test("fuzz: client fed 4,000 mutated server flights (EE, CR, Certificate, CV, Finished)", () => {
  fc.assert(
    fc.property(mutationArb, fc.nat(), (muts, split) => {
      const c = freshClient();
      c.receive(EncryptionLevel.Initial, REF.sh, NOW);
      typedOnly(() => feed(c, EncryptionLevel.Handshake, mutate(REF.flight, muts), split));
    }),
    { seed: 8446, numRuns: 4000 },
  );
});

Deno.test("fuzz: server fed 2,000 mutated client second flights", () => {
  fc.assert(
    fc.property(mutationArb, fc.nat(), (muts, split) => {
      const s = freshServer();
      s.receive(EncryptionLevel.Initial, REF.ch, NOW);
      typedOnly(() => feed(s, EncryptionLevel.Handshake, mutate(REF.fin, muts), split));
    }),
    { seed: 4433, numRuns: 2000 },
  );
});

Deno.test("fuzz: 4,000 random bodies through every decoder", () => {
  const decoders: ((b: Uint8Array) => unknown)[] = [
    MH.decodeClientHello,
    MH.decodeServerHello,
    M.decodeEncryptedExtensions,
    M.decodeCertificateRequest,
    M.decodeCertificate,
    M.decodeCertificateVerify,
    M.decodeNewSessionTicket,
    C.parseExtensions,
    X.decodeAlpn,
    X.decodeServerName,
    KS.decodeClientKeyShares,
    KS.decodeServerKeyShare,
    PSK.decodeOfferedPsks,
    X.decodeCookie,
    PSK.decodePskModes,
    (b) => X.decodeU16List(b, 2, "list"),
    (b) => X.decodeU16List(b, 1, "list"),
    decodeTicketState,
  ];
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), (bytes, i) => {
      typedOnly(() => void decoders[i % decoders.length](bytes));
    }),
    { seed: 1301, numRuns: 4000 },
  );
});
