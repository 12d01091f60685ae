/**
 * What a QUIC connection negotiated, for `gquic get -v` and the demo:
 * version, TLS cipher suite and key-exchange group, ALPN, RTT — read from
 * the public `QuicConn` getters.
 * @module
 */
import type { QuicConn } from "../quic/conn.ts";
import { tlsName } from "../quic/api_types.ts";

/** Negotiated connection parameters. */
export interface ConnInfo {
  /** QUIC version name. */
  version: string;
  /** TLS cipher suite name. */
  cipher: string;
  /** Key exchange group name. */
  group: string;
  /** ALPN protocol. */
  alpn: string;
  /** Smoothed RTT in ms. */
  rtt: number;
}

/** Reads what `conn` negotiated. */
export function connInfo(conn: QuicConn): ConnInfo {
  return {
    version: tlsName("version", conn.version),
    cipher: conn.cipherSuite ?? "?",
    group: conn.group ?? "?",
    alpn: conn.protocol ?? "?",
    rtt: conn.getStats().rtt,
  };
}

/** One line: "QUIC v1, TLS_AES_128_GCM_SHA256, x25519, ALPN h3, RTT 0.4 ms". */
export function formatConnInfo(i: ConnInfo): string {
  return `${i.version}, ${i.cipher}, ${i.group}, ALPN ${i.alpn}, RTT ${i.rtt.toFixed(2)} ms`;
}
