/**
 * Loopback fixtures shared by the driver tests: one test certificate chain
 * per process, a listening gquic endpoint (ALPN "t") and a client connecting
 * to it with certificate verification on.
 * @module
 */
import { connectQuic, type QuicConn, QuicEndpoint, type QuicListener } from "../../quic/api.ts";
import type { ConnectQuicOptions, QuicListenOptions } from "../../quic/api_types.ts";
import { makeTestCerts, type TestCerts } from "../interop/certs.ts";

/** The test CA, server chain and key (made once per process). */
export const certs: TestCerts = makeTestCerts();

/** A gquic endpoint on `hostname` (ephemeral port) listening with {@link certs}. */
export function listenLoopback(
  extra: Partial<QuicListenOptions> = {},
  hostname = "127.0.0.1",
): { ep: QuicEndpoint; l: QuicListener } {
  const ep = new QuicEndpoint({ hostname, port: 0 });
  const l = ep.listen({ cert: certs.chainPem, key: certs.keyPem, alpnProtocols: ["t"], ...extra });
  return { ep, l };
}

/** Connects to `hostname:port` as "localhost", trusting the test CA (5 s timeout). */
export function connectLoopback(
  port: number,
  extra: Partial<ConnectQuicOptions> = {},
  hostname = "127.0.0.1",
): Promise<QuicConn> {
  return connectQuic({
    hostname,
    port,
    serverName: "localhost",
    alpnProtocols: ["t"],
    caCerts: [certs.caPem],
    timeout: 5000,
    ...extra,
  });
}
