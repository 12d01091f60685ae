/**
 * A hostile peer on top of the sans-IO API: an established client/server
 * pair in the simulation harness, plus helpers that build correctly
 * protected 1-RTT packets carrying arbitrary frames (encoded with the real
 * frame encoder, sealed with the client's real 1-RTT keys) and feed them to
 * the server endpoint, collecting what it reports.
 * @module
 */
import assert from "node:assert/strict";
import { coreOf } from "../../../quic/proto/conn_internal.ts";
import type { Connection } from "../../../quic/proto/connection.ts";
import type { EndpointConfig, TransportConfig } from "../../../quic/proto/config.ts";
import type { ConnectionEvent } from "../../../quic/proto/events.ts";
import {
  patchLength,
  writeLongHeader,
  writeShortHeader,
} from "../../../quic/proto/header_build.ts";
import { PacketType } from "../../../quic/proto/packet_type.ts";
import { QUIC_V1 } from "../../../quic/proto/version.ts";
import { createInitialKeys } from "../../../crypto/initial_secrets.ts";
import { encodeFrame } from "../../../quic/proto/frames/encode.ts";
import type { Frame } from "../../../quic/proto/frames/types.ts";
import { protectPacket } from "../../../crypto/packet_protection.ts";
import { APPLICATION } from "../../../quic/proto/spaces.ts";
import {
  CLIENT,
  connect,
  makeClient,
  makePair,
  type Pair,
  runTransfer,
} from "../../sim/fixtures.ts";
import type { SimAddr } from "../../sim/network.ts";

/** An established connection between a (soon hostile) client and the server. */
export interface Hostile {
  /** The simulation. */
  p: Pair;
  /** Client side connection (whose keys the attacker uses). */
  client: Connection;
  /** The server's connection. */
  server: Connection;
  /** Events of the server connection, in order. */
  events: ConnectionEvent[];
}

/** Connects and runs until the handshake is confirmed on both sides. */
export function establish(
  seed: number,
  serverExtra: Partial<EndpointConfig> = {},
  clientTransport?: TransportConfig,
): Hostile {
  const p = makePair(seed, { delayMs: 5 }, serverExtra);
  const client = connect(p.client, p.sim.now, clientTransport);
  let server: Connection | undefined;
  const events: ConnectionEvent[] = [];
  const ok = p.sim.runUntil(() => {
    for (let e; (e = p.server.pollEvent());) {
      if (e.type === "newConnection") server = e.conn;
      else if (e.conn === server) events.push(e.event);
    }
    for (let e; (e = p.client.pollEvent());) void e;
    return client.isHandshakeConfirmed && !!server?.isHandshakeConfirmed;
  }, p.sim.now + 5000);
  assert.ok(ok && server, "handshake");
  return { p, client, server, events };
}

const scratch = new Uint8Array(65536);

/**
 * Builds one 1-RTT packet from the client to the server carrying `frames`
 * (Frame objects or raw bytes), protected with the client's current write
 * keys (or `keys` override for key-phase games).
 */
export function buildPacket(
  h: Hostile,
  frames: (Frame | Uint8Array)[],
  opts: { keyPhase?: 0 | 1; keys?: unknown; pn?: number } = {},
): Uint8Array {
  const c = coreOf(h.client);
  const s = c.spaces[APPLICATION];
  const dcid = c.peerCids.current.cid;
  const pn = opts.pn ?? s.nextPn++;
  const pnOffset = 1 + dcid.length;
  const payloadAt = writeShortHeader(scratch, 0, {
    dcid,
    packetNumber: pn,
    pnLength: 4,
    keyPhase: (opts.keyPhase ?? c.keyPhase) === 1,
  });
  let off = payloadAt;
  for (const f of frames) {
    if (f instanceof Uint8Array) {
      scratch.set(f, off);
      off += f.length;
    } else off = encodeFrame(scratch, off, f);
  }
  const end = Math.max(off, pnOffset + 4 + 4);
  scratch.fill(0, off, end);
  const keys = (opts.keys ?? s.writeKeys) as Parameters<typeof protectPacket>[6];
  const len = protectPacket(scratch, 0, pnOffset, 4, pn, end, keys);
  return scratch.slice(0, len);
}

/** Feeds a datagram to the server endpoint, then drains its output and events. */
export function deliver(h: Hostile, datagram: Uint8Array, from: SimAddr = CLIENT): void {
  h.p.server.handleDatagram(datagram, from, h.p.sim.now);
  drain(h);
}

/** Collects server events of the attacked connection and discards transmits. */
export function drain(h: Hostile, keepTransmits = false): number {
  let n = 0;
  for (let e; (e = h.p.server.pollEvent());) {
    if (e.type === "connection" && e.conn === h.server) h.events.push(e.event);
  }
  if (!keepTransmits) { while (h.p.server.pollTransmit(h.p.sim.now)) n++; }
  return n;
}

/** Sends one packet of frames to the server. */
export function inject(h: Hostile, frames: (Frame | Uint8Array)[], opts = {}): void {
  deliver(h, buildPacket(h, frames, opts));
}

/** The server's close of the attacked connection, if any. */
export function closeOf(
  h: Hostile,
): { code: number; reason: string; isApplication: boolean } | undefined {
  for (const e of h.events) if (e.type === "connectionClosed") return e;
  return undefined;
}

/** Asserts that the server closed the attacked connection with `code`. */
export function assertClosed(h: Hostile, code: number, msg = ""): void {
  const c = closeOf(h);
  assert.ok(c, `expected close with 0x${code.toString(16)} ${msg}`);
  assert.equal(c.code, code, `${msg}: got 0x${c.code.toString(16)} (${c.reason})`);
  assert.equal(c.isApplication, false);
  assert.ok(h.server.isClosed);
}

let bystander = 0;

/**
 * A second, well-behaved client on another address connects to the same
 * server endpoint and uploads 20 kB: proves the attack did not harm it.
 */
export function assertBystanderWorks(h: Hostile): void {
  const addr: SimAddr = { hostname: "10.0.9.9", port: 40000 + (bystander++ % 20000) };
  const client = makeClient(4242 + bystander);
  h.p.sim.add(addr, client);
  try {
    const r = runTransfer({ sim: h.p.sim, client, server: h.p.server }, 20_000, {
      limitMs: 20_000,
    });
    assert.ok(r.ok, `bystander transfer failed (received ${r.received})`);
  } finally {
    h.p.sim.remove(addr);
  }
  void connect;
}

/**
 * A client Initial datagram (padded to 1200 bytes) carrying `frames`,
 * protected with the Initial keys of `dcid` (RFC 9001 §5.2): what an
 * attacker can make without any handshake.
 */
export function rawInitial(
  dcid: Uint8Array,
  scid: Uint8Array,
  pn: number,
  frames: (Frame | Uint8Array)[],
  token?: Uint8Array,
): Uint8Array {
  const buf = new Uint8Array(1200);
  const layout = writeLongHeader(buf, 0, {
    packetType: PacketType.Initial,
    version: QUIC_V1,
    dcid,
    scid,
    token,
    packetNumber: pn,
    pnLength: 4,
    lengthSize: 2,
  });
  let off = layout.payloadOffset;
  for (const f of frames) {
    if (f instanceof Uint8Array) {
      buf.set(f, off);
      off += f.length;
    } else off = encodeFrame(buf, off, f);
  }
  const end = 1200 - 16; // PADDING (zeros) up to the AEAD tag
  if (off > end) throw new Error("frames do not fit one Initial");
  patchLength(buf, layout, 1200);
  const keys = createInitialKeys(QUIC_V1, dcid).client;
  protectPacket(buf, 0, layout.pnOffset, 4, pn, end, keys);
  return buf;
}
