// Seeded mutation fuzzing of everything that parses peer- or user-supplied
// bytes: only TlsAlertError may escape (no RangeError/TypeError, no hang).
import assert from "node:assert/strict";
import fc from "fast-check";
import { TlsAlertError } from "../../../crypto/tls/alert.ts";
import { verifyCertificateChain } from "../../../crypto/tls/cert_verify.ts";
import { parsePrivateKeyPem } from "../../../crypto/tls/keys.ts";
import { decodePem, encodePem } from "../../../crypto/tls/pem.ts";
import { parseCertificate } from "../../../crypto/tls/x509.ts";
import { createCertificate } from "../../../crypto/cert_builder.ts";
import { opensslFixtures } from "./openssl_fixtures.ts";

const f = opensslFixtures();
const certs = [
  f.der.leaf_p256,
  f.der.leaf_rsa,
  f.der.leaf_ed25519,
  f.der.leaf_pss,
  f.der.int,
  f.der.root,
  f.der.unknown_critical,
  createCertificate({ subject: "b", sanDns: ["a.test"], sanIps: ["::1"] }).certDer,
];
const keyPems = Object.entries(f.pem).filter(([n]) => n.endsWith(".key")).map(([, v]) => v);

/** One mutation: flip, set, insert, delete, truncate, or bump a byte (length fields). */
const mutation = fc.tuple(
  fc.constantFrom("flip", "set", "insert", "delete", "truncate", "inc", "dec", "dup"),
  fc.nat(),
  fc.integer({ min: 0, max: 255 }),
);

function mutate(input: Uint8Array, ops: [string, number, number][]): Uint8Array {
  let b = input.slice();
  for (const [op, p, v] of ops) {
    if (b.length === 0) break;
    const i = p % b.length;
    switch (op) {
      case "flip":
        b[i] ^= 1 << (v & 7);
        break;
      case "set":
        b[i] = v;
        break;
      case "inc":
        b[i] = (b[i] + 1) & 0xff;
        break;
      case "dec":
        b[i] = (b[i] - 1) & 0xff;
        break;
      case "insert":
        b = Uint8Array.from([...b.subarray(0, i), v, ...b.subarray(i)]);
        break;
      case "delete":
        b = Uint8Array.from([...b.subarray(0, i), ...b.subarray(i + 1)]);
        break;
      case "truncate":
        b = b.slice(0, i);
        break;
      case "dup": {
        const n = Math.min(v, b.length - i);
        b = Uint8Array.from([
          ...b.subarray(0, i + n),
          ...b.subarray(i, i + n),
          ...b.subarray(i + n),
        ]);
        break;
      }
    }
  }
  return b;
}

function onlyAlerts(fn: () => unknown): boolean {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof TlsAlertError)) throw e;
  }
  return true;
}

Deno.test("fuzz: parseCertificate on 12,000 mutated real certificates throws only TlsAlertError", () => {
  let parsed = 0;
  fc.assert(
    fc.property(
      fc.nat({ max: certs.length - 1 }),
      fc.array(mutation, { minLength: 1, maxLength: 4 }),
      (which, ops) => {
        const input = mutate(certs[which], ops);
        try {
          const c = parseCertificate(input);
          parsed++;
          // Anything that parses must be internally consistent.
          assert.ok(c.tbs.length < c.der.length && c.spki.length > 0);
        } catch (e) {
          if (!(e instanceof TlsAlertError)) throw e;
        }
      },
    ),
    { seed: 0x5eed, numRuns: 12_000 },
  );
  // The mutator must also leave some inputs parseable (e.g. flipped key bits),
  // or the fuzzer would only be exercising the first check.
  assert.ok(parsed > 100, `only ${parsed} mutants parsed`);
});

Deno.test("fuzz: verifyCertificateChain on mutated chains throws only TlsAlertError", () => {
  const now = Date.now();
  fc.assert(
    fc.property(
      fc.constantFrom("leaf_p256", "leaf_rsa", "leaf_ed25519", "leaf_p384"),
      fc.array(mutation, { minLength: 1, maxLength: 3 }),
      fc.boolean(),
      (name, ops, mutateInt) => {
        const chain = mutateInt
          ? [f.der[name], mutate(f.der.int, ops)]
          : [mutate(f.der[name], ops), f.der.int];
        return onlyAlerts(() =>
          verifyCertificateChain(chain, {
            trustAnchors: [f.der.root, mutate(f.der.root, ops)],
            now,
            purpose: "serverAuth",
            serverName: "localhost",
          })
        );
      },
    ),
    { seed: 77, numRuns: 2_000 },
  );
});

Deno.test("fuzz: decodePem and parsePrivateKeyPem on 10,000 mutated PEM/DER inputs", () => {
  fc.assert(
    fc.property(
      fc.nat({ max: keyPems.length - 1 }),
      fc.array(mutation, { minLength: 1, maxLength: 4 }),
      fc.boolean(),
      (which, ops, mutateText) => {
        const pem = keyPems[which];
        let text: string;
        if (mutateText) {
          // Mutate the PEM text itself (armour, Base64, labels).
          const bytes = mutate(new TextEncoder().encode(pem), ops);
          text = new TextDecoder().decode(bytes);
          onlyAlerts(() => decodePem(text));
        } else {
          // Keep valid armour, mutate the key DER inside.
          const blocks = decodePem(pem);
          const b = blocks[blocks.length - 1];
          text = encodePem(b.label, mutate(b.der, ops));
        }
        return onlyAlerts(() => parsePrivateKeyPem(text));
      },
    ),
    { seed: 4242, numRuns: 10_000 },
  );
});

Deno.test("fuzz: random text never escapes decodePem/parsePrivateKeyPem as a non-alert error", () => {
  fc.assert(
    fc.property(
      fc.string({ maxLength: 200 }),
      fc.constantFrom("", "-----BEGIN PRIVATE KEY-----\n", "-----BEGIN EC PRIVATE KEY-----\n"),
      (s, prefix) => {
        const text = prefix + s + (prefix ? prefix.replace("BEGIN", "END") : "");
        onlyAlerts(() => decodePem(text));
        return onlyAlerts(() => parsePrivateKeyPem(text));
      },
    ),
    { seed: 99, numRuns: 2_000 },
  );
});
