/**
 * Counts the datagrams each side sends for a full (non-resumed) handshake
 * followed by an immediate application close, on a clean link: every extra
 * datagram is a loopback wake-up of the peer, which dominates handshake cost.
 * @module
 */
import assert from "node:assert/strict";
import { CLIENT, establishPair, makePair, SERVER, SIM_START } from "./fixtures.ts";
import { createCertificate, type IssuedCertificate } from "../../crypto/cert_builder.ts";
import type { Connection } from "../../quic/proto/connection.ts";

/** Long-header packet type names by the two type bits (RFC 9000 §17.2). */
const LONG = ["I", "0", "H", "R"];

/** Packet kinds in a datagram ("I", "H", "1") by walking long-header lengths. */
function kinds(d: Uint8Array): string {
  const out: string[] = [];
  let p = 0;
  while (p < d.length) {
    const b = d[p];
    if (b === 0) break; // Trailing zero padding.
    if ((b & 0x80) === 0) {
      out.push("1");
      break;
    }
    out.push(LONG[(b >> 4) & 3]);
    let q = p + 5;
    q += 1 + d[q]; // DCID
    q += 1 + d[q]; // SCID
    const varint = (): number => {
      const len = 1 << (d[q] >> 6);
      let v = d[q] & 0x3f;
      for (let i = 1; i < len; i++) v = v * 256 + d[q + i];
      q += len;
      return v;
    };
    if (((b >> 4) & 3) === 0) {
      const tokenLength = varint(); // Initial token
      q += tokenLength;
    }
    const length = varint();
    p = q + length;
  }
  return out.join("+");
}

/** A server certificate chain, leaf first, its root last. */
interface Chain {
  certs: IssuedCertificate[];
}

const validity = { notBefore: SIM_START - 86_400_000, notAfter: SIM_START + 30 * 86_400_000 };

/** One self-signed Ed25519 certificate (the smallest flight). */
function ed25519Chain(): Chain {
  return {
    certs: [createCertificate({
      subject: "localhost",
      keyType: "ed25519",
      sanDns: ["localhost"],
      ...validity,
    })],
  };
}

/** ECDSA P-256 leaf + CA, like the benchmark's and interop tests' certificates. */
function p256Chain(): Chain {
  const ca = createCertificate({ subject: "gquic test CA", isCA: true, ...validity });
  const leaf = createCertificate({
    subject: "localhost",
    issuer: ca,
    sanDns: ["localhost"],
    sanIps: ["127.0.0.1", "::1"],
    extKeyUsage: ["serverAuth"],
    ...validity,
  });
  return { certs: [leaf, ca] };
}

interface Trace {
  client: string[];
  server: string[];
  clientConn: Connection;
}

/**
 * Runs handshake + close: the client closes `closeDelayMs` after its handshake
 * completes (like `await connectQuic(); conn.close()`, where the close goes
 * out an event-loop turn after the Finished), then the simulation runs
 * until both sides are quiet.
 */
function handshakeAndClose(
  seed: number,
  rttMs: number,
  chain: Chain,
  closeDelayMs: number,
  bandwidth: number | undefined,
): Trace {
  const { sim, client, server } = makePair(seed, { delayMs: rttMs / 2, bandwidth }, {
    server: {
      certificateChain: chain.certs.map((c) => c.certDer),
      privateKey: chain.certs[0].key,
      alpnProtocols: ["test"],
    },
  });
  const trace = { client: [] as string[], server: [] as string[] };
  for (const [ep, list] of [[client, trace.client], [server, trace.server]] as const) {
    const poll = ep.pollTransmit.bind(ep);
    ep.pollTransmit = (now: number) => {
      const t = poll(now);
      if (t) list.push(kinds(t.data));
      return t;
    };
  }
  const conn = client.connect(SERVER, {
    tls: {
      serverName: "localhost",
      alpnProtocols: ["test"],
      caCerts: [chain.certs[chain.certs.length - 1].certDer],
    },
  }, sim.now);
  // The application's close as a timer of the client node.
  let closeAt = Infinity;
  const checkEvents = (now: number) => {
    for (let e; (e = client.pollEvent());) {
      if (e.type === "connection" && e.event.type === "handshakeCompleted") {
        closeAt = now + closeDelayMs;
      }
    }
  };
  sim.add(CLIENT, {
    handleDatagram: (d, from, now) => {
      client.handleDatagram(d, from, now);
      checkEvents(now);
    },
    pollTransmit: (now) => client.pollTransmit(now),
    nextTimeout: () => Math.min(client.nextTimeout() ?? Infinity, closeAt),
    handleTimeout: (now) => {
      if (now >= closeAt) {
        closeAt = Infinity;
        conn.close(0, "", true, now);
      }
      client.handleTimeout(now);
      checkEvents(now);
    },
  });
  sim.runUntil(() => {
    while (server.pollEvent());
    return false;
  }, sim.now + 2_000);
  assert.ok(conn.isClosed, "client connection did not close");
  return { ...trace, clientConn: conn };
}

Deno.test("sim: full handshake + close right after it completes: client 3-4 datagrams, server 2-3", () => {
  // The server's answer to the Finished (HANDSHAKE_DONE, NEW_CONNECTION_IDs,
  // ticket) crosses the client's CONNECTION_CLOSE; the client must not answer
  // it with a second CONNECTION_CLOSE (RFC 9000 §10.2.1 rate limit).
  const chains = [["ed25519", ed25519Chain(), 2], ["p256 chain", p256Chain(), 3]] as const;
  for (const [name, chain, serverMax] of chains) {
    // 20 MB/s spaces the server's datagrams 60 µs apart: the client sees
    // the ServerHello's datagram alone first.
    for (const [rtt, bandwidth] of [[0.2, 0], [20, 0], [0.2, 20e6], [20, 20e6]]) {
      const t = handshakeAndClose(11, rtt, chain, rtt / 4, bandwidth || undefined);
      const what = `${name} rtt ${rtt} bw ${bandwidth}: client ${t.client} server ${t.server}`;
      // RFC 9000 §13.2.1: Initial and Handshake packets are acknowledged
      // immediately, so a server flight split over two spaced datagrams costs
      // the client one ACK datagram more; one that arrives together does not.
      const split = bandwidth !== 0 && t.server.length > 2;
      assert.equal(t.client.length, split ? 4 : 3, what);
      assert.equal(t.client[0], "I", what);
      if (split) assert.match(t.client[1], /^I(\+H)?$/, what);
      assert.match(t.client[t.client.length - 2], /^(I\+)?H\+1$/, what);
      // One CONNECTION_CLOSE only: the server's answer to the Finished crossed it.
      assert.equal(t.client[t.client.length - 1], "H+1", what);
      assert.ok(t.server.length <= serverMax, what);
      // The server's first datagram coalesces Initial and Handshake.
      assert.match(t.server[0], /^I\+H/, what);
    }
  }
});

Deno.test("sim: a closing endpoint still answers a peer that missed its CONNECTION_CLOSE", () => {
  const { sim, clientConn, serverConn, server } = establishPair(12);
  let closeDatagrams = 0;
  // The client's first CONNECTION_CLOSE is lost.
  sim.net.setLink(CLIENT, SERVER, { delayMs: 10, blackholes: [[sim.now, sim.now + 1]] });
  const poll = sim.net.send.bind(sim.net);
  sim.net.send = (from, to, data, now) => {
    if (from === CLIENT || from.port === CLIENT.port) closeDatagrams++;
    poll(from, to, data, now);
  };
  clientConn.close(7, "bye", true, sim.now);
  // The server, unaware, keeps sending (and retransmitting) stream data.
  const sid = serverConn.openStream(false);
  assert.ok(sid !== undefined);
  serverConn.streamWrite(sid, new Uint8Array(100));
  let byPeer = false;
  sim.runUntil(() => {
    for (let e; (e = server.pollEvent());) {
      if (e.type === "connection" && e.event.type === "connectionClosed") byPeer = e.event.byPeer;
    }
    return byPeer;
  }, sim.now + 3_000);
  assert.ok(byPeer, "server never learned of the close");
  assert.ok(closeDatagrams >= 2 && closeDatagrams <= 4, `client sent ${closeDatagrams}`);
});

Deno.test("sim: the client acknowledges the ServerHello's datagram immediately (RFC 9000 §13.2.1)", () => {
  const chain = p256Chain();
  const { sim, client, server } = makePair(13, { delayMs: 5 }, {
    server: {
      certificateChain: chain.certs.map((c) => c.certDer),
      privateKey: chain.certs[0].key,
      alpnProtocols: ["test"],
    },
  });
  // The server's second datagram is lost once.
  let serverSent = 0;
  const serverPoll = server.pollTransmit.bind(server);
  server.pollTransmit = (now: number) => {
    let t = serverPoll(now);
    if (t && ++serverSent === 2) t = serverPoll(now);
    return t;
  };
  const sends: Array<[number, string]> = [];
  const clientPoll = client.pollTransmit.bind(client);
  client.pollTransmit = (now: number) => {
    const t = clientPoll(now);
    if (t) sends.push([now, kinds(t.data)]);
    return t;
  };
  const conn = client.connect(SERVER, {
    tls: { serverName: "localhost", alpnProtocols: ["test"], caCerts: [chain.certs[1].certDer] },
  }, sim.now);
  const start = sim.now;
  const ok = sim.runUntil(() => {
    while (client.pollEvent());
    while (server.pollEvent());
    return conn.isHandshakeConfirmed;
  }, sim.now + 5_000);
  assert.ok(ok, "handshake did not complete");
  // Client Initial at 0; the ServerHello's datagram arrives at 10 ms and is
  // acknowledged at once, not at a PTO and not held for the rest of the flight.
  assert.match(sends[1][1], /^I(\+H)?$/, `${sends}`);
  const at = sends[1][0] - start;
  assert.ok(at >= 10 && at <= 10.001, `ACK sent at ${at} ms`);
});
