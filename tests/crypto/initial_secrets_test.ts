import assert from "node:assert/strict";
import { hkdfLabel } from "../../crypto/hkdf.ts";
import {
  createInitialKeys,
  deriveInitialSecrets,
  initialSalt,
} from "../../crypto/initial_secrets.ts";
import { derivePacketKeyMaterial, packetKeyLabels } from "../../crypto/packet_keys.ts";
import { QUIC_V1, QUIC_V2 } from "../../quic/proto/version.ts";
import { hex, toHex, VECTOR_FILES } from "./_packet_vectors.ts";

for (const { name, version, v } of VECTOR_FILES) {
  Deno.test(`initial secrets ${name}: salt, secrets and keys byte for byte`, () => {
    assert.equal(toHex(initialSalt(version)!), v.initial_salt);
    const dcid = hex(v.client_destination_connection_id);
    const s = deriveInitialSecrets(version, dcid);
    assert.equal(toHex(s.client), v.client_initial_keys.client_initial_secret);
    assert.equal(toHex(s.server), v.server_initial_keys.server_initial_secret);
    for (
      const [secret, expected] of [[s.client, v.client_initial_keys], [
        s.server,
        v.server_initial_keys,
      ]] as const
    ) {
      const m = derivePacketKeyMaterial(0x1301, secret, version);
      assert.equal(toHex(m.key), expected.key);
      assert.equal(toHex(m.iv), expected.iv);
      assert.equal(toHex(m.hp), expected.hp);
    }
    const keys = createInitialKeys(version, dcid);
    assert.equal(toHex(keys.client.secret), v.client_initial_keys.client_initial_secret);
    assert.equal(keys.server.suite, 0x1301);
    assert.equal(keys.client.version, version);
  });

  Deno.test(`initial secrets ${name}: the HKDF labels are the RFC's bytes`, () => {
    const labels = packetKeyLabels(version);
    const info = v.hkdf_label_info as Record<string, string>;
    assert.equal(toHex(hkdfLabel(labels.key, new Uint8Array(0), 16)), info[labels.key]);
    assert.equal(toHex(hkdfLabel(labels.iv, new Uint8Array(0), 12)), info[labels.iv]);
    assert.equal(toHex(hkdfLabel(labels.hp, new Uint8Array(0), 16)), info[labels.hp]);
    assert.equal(toHex(hkdfLabel("client in", new Uint8Array(0), 32)), info["client in"]);
  });
}

Deno.test("initial secrets: v2 labels are quicv2 (RFC 9369 §3.3.2), unknown versions rejected", () => {
  assert.deepEqual(packetKeyLabels(QUIC_V1), {
    key: "quic key",
    iv: "quic iv",
    hp: "quic hp",
    ku: "quic ku",
  });
  assert.deepEqual(packetKeyLabels(QUIC_V2), {
    key: "quicv2 key",
    iv: "quicv2 iv",
    hp: "quicv2 hp",
    ku: "quicv2 ku",
  });
  assert.equal(initialSalt(0xff00001d), undefined);
  assert.throws(() => deriveInitialSecrets(0xff00001d, new Uint8Array(8)), { name: "QuicError" });
  assert.throws(() => packetKeyLabels(0x1a2a3a4a), { name: "QuicError" });
  // Different DCIDs give different secrets; an empty DCID still works.
  assert.notDeepEqual(
    deriveInitialSecrets(1, new Uint8Array(8)).client,
    deriveInitialSecrets(1, new Uint8Array(9)).client,
  );
  assert.equal(deriveInitialSecrets(1, new Uint8Array(0)).server.length, 32);
});
