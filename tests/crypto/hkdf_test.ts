import assert from "node:assert/strict";
import { hkdfExpandLabel, hkdfExtract, hkdfLabel } from "../../crypto/hkdf.ts";

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((h) => parseInt(h, 16)));
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

Deno.test("hkdf: RFC 9001 Appendix A.1 initial and client secrets", () => {
  const salt = hex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a");
  const dcid = hex("8394c8f03e515708");
  const initial = hkdfExtract("sha256", salt, dcid);
  assert.equal(
    toHex(initial),
    "7db5df06e7a69e432496adedb00851923595221596ae2ae9fb8115c1e9ed0a44",
  );
  const client = hkdfExpandLabel("sha256", initial, "client in", new Uint8Array(0), 32);
  assert.equal(toHex(client), "c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea");
  assert.equal(
    toHex(hkdfLabel("client in", new Uint8Array(0), 32)),
    "00200f746c73313320636c69656e7420696e00",
  );
  const key = hkdfExpandLabel("sha256", client, "quic key", new Uint8Array(0), 16);
  assert.equal(toHex(key), "1f369613dd76d5467730efcbe3b1a22d");
});
