/**
 * Heap held per idle server connection by the sans-IO core alone (no
 * driver, no sockets): `deno run -A --v8-flags=--expose-gc
 * bench/support/idle_memory.ts [N]`. Handshakes N connections over the
 * simulated network, drops the client side, collects garbage and prints
 * the server's heap + external growth per connection.
 * @module
 */
import { SimHarness } from "../../tests/sim/harness.ts";
import {
  CLIENT,
  connect,
  makeClient,
  makeServer,
  SERVER,
  SIM_START,
} from "../../tests/sim/fixtures.ts";
import type { Endpoint } from "../../quic/proto/endpoint.ts";

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --v8-flags=--expose-gc");
const N = Number(Deno.args[0] ?? 500);

function used(): number {
  for (let i = 0; i < 3; i++) gc!();
  const m = Deno.memoryUsage();
  return m.heapUsed + m.external;
}

const sim = new SimHarness(1, { delayMs: 1 }, SIM_START);
const server = makeServer(2);
sim.add(SERVER, server);
let client: Endpoint | undefined = makeClient(3);
sim.add(CLIENT, client);
// Warm-up: code, caches and shared buffers are not per connection.
for (let i = 0; i < 5; i++) connect(client, sim.now);
sim.runFor(200);
const before = used();
const snap = Deno.env.get("GQUIC_HEAP_SNAPSHOT"); // directory for before/after snapshots
const v8 = snap ? await import("node:v8") : undefined;
v8?.writeHeapSnapshot(`${snap}/before.heapsnapshot`);
for (let i = 0; i < N; i++) {
  connect(client, sim.now);
  if (i % 50 === 49) sim.runFor(20);
}
sim.runFor(500);
const open = [...server.connections].filter((c) => c.isHandshakeConfirmed).length;
sim.remove(CLIENT);
client = undefined;
const after = used();
v8?.writeHeapSnapshot(`${snap}/after.heapsnapshot`);
console.log(
  `core: ${open} idle server connections, heap+external +${
    ((after - before) / 1048576).toFixed(1)
  } MiB` +
    ` = ${((after - before) / N / 1024).toFixed(1)} KiB/connection`,
);

// Attribution: what each part of the server connections retains, measured by
// dropping it (diagnostics only: the connections are unusable afterwards).
if (Deno.env.get("GQUIC_ATTRIBUTE")) {
  const { coreOf } = await import("../../quic/proto/conn_internal.ts");
  const cores = [...server.connections].map((c) => coreOf(c) as unknown as Record<string, unknown>);
  const drop = (label: string, fn: (c: Record<string, unknown>) => void) => {
    const a = used();
    for (const c of cores) fn(c);
    const b = used();
    console.log(
      `${label.padEnd(28)} ${((a - b) / cores.length).toFixed(0).padStart(7)} B/connection`,
    );
  };
  const R = (o: unknown) => o as Record<string, unknown>;
  drop("tls machine", (c) => (c.tls = undefined));
  drop("recovery sent stores", (c) => {
    const sent = R(c.recovery).sent as unknown[];
    for (let i = 0; i < 3; i++) (sent as unknown as Record<number, unknown>)[i] = undefined;
  });
  drop("spaces[0..1] (Initial, Handshake)", (c) => {
    const s = c.spaces as unknown[];
    s[0] = s[1] = undefined;
  });
  drop("space[2] ack tracker+crypto", (c) => {
    const s = R((c.spaces as unknown[])[2]);
    s.ack =
      s.crypto =
      s.cryptoSend =
      s.cryptoRecv =
        undefined;
  });
  drop("space[2] keys", (c) => {
    const s = R((c.spaces as unknown[])[2]);
    s.readKeys =
      s.writeKeys =
      c.nextReadKeys =
      c.prevReadKeys =
        undefined;
  });
  drop("streams", (c) => (c.streams = undefined));
  drop("localCids+peerCids", (c) => (c.localCids = c.peerCids = undefined));
  drop("peerParams", (c) => (c.peerParams = undefined));
  drop("recovery+cc+rtt+pacer", (c) => (c.recovery =
    c.cc =
    c.rtt =
    c.pacer =
      undefined));
  drop("events+misc arrays", (c) => (c.events = c.datagramsOut = undefined));
  drop("everything else (conns)", (c) => {
    for (const k of Object.keys(c)) c[k] = undefined;
  });
}
