// Test helper (not a test): generates keys and certificates with the openssl
// CLI into a temp dir, once per test process, so the parsers and verifier are
// checked against an independent encoder.
const CONFIG = `
[req]
distinguished_name = dn
[dn]
[v3_root]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[v3_int]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[v3_leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,DNS:*.example.test,IP:127.0.0.1,IP:::1,IP:2001:db8:0:0:1:0:0:1
[v3_client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = DNS:client.example.test
[v3_noca]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyCertSign,digitalSignature
[v3_unknown_critical]
basicConstraints = critical,CA:FALSE
subjectAltName = DNS:localhost
1.2.3.4.5.6.7 = critical,DER:05:00
`;

/** Everything generated: PEM text by name, and the directory. */
export interface OpensslFixtures {
  dir: string;
  pem: Record<string, string>;
  der: Record<string, Uint8Array>;
}

function run(dir: string, args: string[]): void {
  const out = new Deno.Command("openssl", { args, cwd: dir, stdout: "piped", stderr: "piped" })
    .outputSync();
  if (!out.success) {
    throw new Error(`openssl ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

function pemToDer(pem: string): Uint8Array {
  const b64 = pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

let cached: OpensslFixtures | undefined;

// Deno runs each test file in its own isolate, so the fixtures are cached on
// disk for a few hours (certificates are valid for 10 days) and shared by all
// test files of a run. A fresh set is built in a private dir and renamed into
// place, so concurrent test workers never see a half-written set.
const CACHE_VERSION = 1;
const CACHE_MAX_AGE_MS = 6 * 3_600_000;

function cacheDir(): string {
  const tmp = Deno.env.get("TMPDIR") ?? "/tmp";
  return `${tmp}/gquic-openssl-fixtures-v${CACHE_VERSION}`;
}

function load(dir: string): OpensslFixtures {
  const pem: Record<string, string> = {};
  const der: Record<string, Uint8Array> = {};
  // Only the files the generator made (tests write scratch files here too).
  for (const fileName of Deno.readTextFileSync(`${dir}/complete`).split("\n")) {
    if (!fileName) continue;
    const e = { name: fileName };
    const name = e.name.replace(/\.(pem)$/, "");
    pem[name] = Deno.readTextFileSync(`${dir}/${e.name}`);
    if (e.name.endsWith(".pem")) der[name] = pemToDer(pem[name]);
  }
  return { dir, pem, der };
}

/** Generates (once per run) the openssl fixture set. */
export function opensslFixtures(): OpensslFixtures {
  if (cached) return cached;
  const final = cacheDir();
  try {
    const st = Deno.statSync(`${final}/complete`);
    if (Date.now() - (st.mtime?.getTime() ?? 0) < CACHE_MAX_AGE_MS) {
      cached = load(final);
      return cached;
    }
    Deno.removeSync(final, { recursive: true });
  } catch {
    // missing or stale: build below
  }
  const dir = Deno.makeTempDirSync({ prefix: "gquic-openssl-build-" });
  generate(dir);
  const names = [...Deno.readDirSync(dir)].map((e) => e.name)
    .filter((n) => n.endsWith(".pem") || n.endsWith(".key"));
  Deno.writeTextFileSync(`${dir}/complete`, names.join("\n"));
  try {
    Deno.renameSync(dir, final);
  } catch {
    // Another worker won the race: use its set and drop ours.
    Deno.removeSync(dir, { recursive: true });
  }
  cached = load(final);
  return cached;
}

function generate(dir: string): void {
  Deno.writeTextFileSync(`${dir}/openssl.cnf`, CONFIG);
  const o = (...a: string[]) => run(dir, a);
  // Keys in every container format.
  o("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "p256.sec1.key");
  o("pkcs8", "-topk8", "-nocrypt", "-in", "p256.sec1.key", "-out", "p256.p8.key");
  o("ecparam", "-name", "secp384r1", "-genkey", "-noout", "-out", "p384.sec1.key");
  o("pkcs8", "-topk8", "-nocrypt", "-in", "p384.sec1.key", "-out", "p384.p8.key");
  o("ecparam", "-name", "secp384r1", "-genkey", "-out", "p384.params.key"); // with EC PARAMETERS
  o("genpkey", "-algorithm", "ed25519", "-out", "ed25519.p8.key");
  o("genpkey", "-algorithm", "ed25519", "-out", "edroot.key");
  o("genrsa", "-out", "rsa.p8.key", "2048");
  o("rsa", "-in", "rsa.p8.key", "-traditional", "-out", "rsa.p1.key");
  o("genrsa", "-out", "root.key", "2048");
  o("ecparam", "-name", "secp384r1", "-genkey", "-noout", "-out", "int.key");
  o("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "noca.key");
  o("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "client.key");
  o(
    "pkcs8",
    "-topk8",
    "-in",
    "p256.sec1.key",
    "-passout",
    "pass:secret",
    "-v2",
    "aes-256-cbc",
    "-out",
    "encrypted.key",
  );

  const cnf = ["-config", "openssl.cnf"];
  // Root (RSA, sha256WithRSAEncryption) → intermediate (P-384) → leaves.
  o(
    "req",
    "-x509",
    "-new",
    "-key",
    "root.key",
    "-subj",
    "/O=gquic tests/CN=gquic Test Root",
    "-days",
    "30",
    "-sha256",
    ...cnf,
    "-extensions",
    "v3_root",
    "-out",
    "root.pem",
  );
  const issue = (
    name: string,
    key: string,
    subj: string,
    ca: string,
    caKey: string,
    ext: string,
    serial: string,
    extra: string[] = [],
  ) => {
    o("req", "-new", "-key", key, "-subj", subj, ...cnf, "-out", `${name}.csr`);
    o(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      ca,
      "-CAkey",
      caKey,
      "-set_serial",
      serial,
      "-days",
      "10",
      "-extfile",
      "openssl.cnf",
      "-extensions",
      ext,
      ...extra,
      "-out",
      `${name}.pem`,
    );
  };
  issue("int", "int.key", "/CN=gquic Test Intermediate", "root.pem", "root.key", "v3_int", "2");
  issue("leaf_p256", "p256.sec1.key", "/CN=leaf p256", "int.pem", "int.key", "v3_leaf", "10", [
    "-sha384",
  ]);
  issue("leaf_p384", "p384.sec1.key", "/CN=leaf p384", "int.pem", "int.key", "v3_leaf", "11", [
    "-sha384",
  ]);
  issue(
    "leaf_ed25519",
    "ed25519.p8.key",
    "/CN=leaf ed25519",
    "int.pem",
    "int.key",
    "v3_leaf",
    "12",
    ["-sha256"],
  );
  issue("leaf_rsa", "rsa.p8.key", "/CN=leaf rsa", "int.pem", "int.key", "v3_leaf", "13", [
    "-sha256",
  ]);
  // Signed directly by the RSA root with RSASSA-PSS.
  issue("leaf_pss", "p256.sec1.key", "/CN=leaf pss", "root.pem", "root.key", "v3_leaf", "14", [
    "-sha256",
    "-sigopt",
    "rsa_padding_mode:pss",
    "-sigopt",
    "rsa_pss_saltlen:32",
  ]);
  // Signed by the root with sha512WithRSAEncryption.
  issue(
    "leaf_sha512",
    "p256.sec1.key",
    "/CN=leaf sha512",
    "root.pem",
    "root.key",
    "v3_leaf",
    "15",
    ["-sha512"],
  );
  issue("client", "client.key", "/CN=client", "int.pem", "int.key", "v3_client", "16", ["-sha384"]);
  // An "intermediate" without the CA flag, and a leaf under it.
  issue("noca", "noca.key", "/CN=gquic Not A CA", "root.pem", "root.key", "v3_noca", "17");
  issue("under_noca", "p256.sec1.key", "/CN=under noca", "noca.pem", "noca.key", "v3_leaf", "18");
  // Ed25519 root signing a P-256 leaf (Ed25519 signature in a certificate).
  o(
    "req",
    "-x509",
    "-new",
    "-key",
    "edroot.key",
    "-subj",
    "/CN=gquic Ed25519 Root",
    "-days",
    "30",
    ...cnf,
    "-extensions",
    "v3_root",
    "-out",
    "edroot.pem",
  );
  issue(
    "leaf_under_ed",
    "p256.sec1.key",
    "/CN=leaf under ed25519",
    "edroot.pem",
    "edroot.key",
    "v3_leaf",
    "19",
  );
  issue(
    "unknown_critical",
    "p256.sec1.key",
    "/CN=unknown critical",
    "int.pem",
    "int.key",
    "v3_unknown_critical",
    "20",
  );
  // Self-signed P-256 server cert (what `openssl req -x509` users make for dev).
  o(
    "req",
    "-x509",
    "-new",
    "-key",
    "p256.p8.key",
    "-subj",
    "/CN=localhost",
    "-days",
    "10",
    ...cnf,
    "-extensions",
    "v3_leaf",
    "-out",
    "selfsigned.pem",
  );
}

/** Runs openssl synchronously in the fixture dir, returning { ok, stdout, stderr }. */
export function opensslSync(args: string[]): { ok: boolean; stdout: string; stderr: string } {
  const out = new Deno.Command("openssl", {
    args,
    cwd: opensslFixtures().dir,
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  const td = new TextDecoder();
  return { ok: out.success, stdout: td.decode(out.stdout), stderr: td.decode(out.stderr) };
}
