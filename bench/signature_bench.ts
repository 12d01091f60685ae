// Compares node:crypto and @noble/curves for the CertificateVerify schemes
// (ECDSA P-256, Ed25519): crypto/tls/signature.ts uses the faster one.
import { ed25519 } from "@noble/curves/ed25519.js";
import { p256 } from "@noble/curves/nist.js";
import { createCertificate } from "../crypto/cert_builder.ts";
import { sign, SignatureScheme, verifySignature } from "../crypto/tls/signature.ts";

const data = new Uint8Array(130).fill(7); // ~ a CertificateVerify content
const ec = createCertificate({ subject: "bench" }).key;
const ed = createCertificate({ subject: "bench", keyType: "ed25519" }).key;
const ecSig = sign(ec, SignatureScheme.ecdsa_secp256r1_sha256, data);
const edSig = sign(ed, SignatureScheme.ed25519, data);

const nSk = p256.utils.randomSecretKey();
const nPk = p256.getPublicKey(nSk);
const nSig = p256.sign(data, nSk, { format: "der" });
const eSk = ed25519.utils.randomSecretKey();
const ePk = ed25519.getPublicKey(eSk);
const eSig = ed25519.sign(data, eSk);

Deno.bench("ecdsa-p256 sign: node:crypto", { group: "p256-sign", baseline: true }, () => {
  sign(ec, SignatureScheme.ecdsa_secp256r1_sha256, data);
});
Deno.bench("ecdsa-p256 sign: noble", { group: "p256-sign" }, () => {
  p256.sign(data, nSk, { format: "der" });
});
Deno.bench(
  "ecdsa-p256 verify: node:crypto (spki)",
  { group: "p256-verify", baseline: true },
  () => {
    verifySignature(ec.spki, SignatureScheme.ecdsa_secp256r1_sha256, data, ecSig);
  },
);
Deno.bench("ecdsa-p256 verify: noble", { group: "p256-verify" }, () => {
  p256.verify(nSig, data, nPk, { format: "der" });
});
Deno.bench("ed25519 sign: node:crypto", { group: "ed-sign", baseline: true }, () => {
  sign(ed, SignatureScheme.ed25519, data);
});
Deno.bench("ed25519 sign: noble", { group: "ed-sign" }, () => {
  ed25519.sign(data, eSk);
});
Deno.bench("ed25519 verify: node:crypto (spki)", { group: "ed-verify", baseline: true }, () => {
  verifySignature(ed.spki, SignatureScheme.ed25519, data, edSig);
});
Deno.bench("ed25519 verify: noble", { group: "ed-verify" }, () => {
  ed25519.verify(eSig, data, ePk);
});

// Whole-chain verification (leaf → intermediate → root), as a client does per handshake.
import { verifyCertificateChain } from "../crypto/tls/cert_verify.ts";
import { loadSystemTrustAnchors } from "../crypto/system_store.ts";
const systemAnchors = loadSystemTrustAnchors();
for (const keyType of ["ecdsa-p256", "rsa"] as const) {
  const root = createCertificate({ subject: "Bench Root", isCA: true, keyType });
  const int = createCertificate({ subject: "Bench Int", isCA: true, issuer: root, keyType });
  const leaf = createCertificate({ subject: "leaf", issuer: int, sanDns: ["bench.test"], keyType });
  const anchors = [...systemAnchors, root.certDer];
  Deno.bench(`verifyCertificateChain ${keyType} (3 certs, ${anchors.length} anchors)`, {
    group: "chain",
  }, () => {
    verifyCertificateChain([leaf.certDer, int.certDer], {
      trustAnchors: anchors,
      now: Date.now(),
      purpose: "serverAuth",
      serverName: "bench.test",
    });
  });
}
