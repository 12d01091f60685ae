/**
 * What a QUIC connection negotiated, for `gquic get -v` and the demo:
 * version, TLS cipher suite and key-exchange group, ALPN, RTT.
 * @module
 */
import type { QuicConn } from "../quic/conn.ts";
import { coreOf } from "../quic/proto/conn_internal.ts";

const SUITES: Record<number, string> = {
  0x1301: "TLS_AES_128_GCM_SHA256",
  0x1302: "TLS_AES_256_GCM_SHA384",
  0x1303: "TLS_CHACHA20_POLY1305_SHA256",
};
const GROUPS: Record<number, string> = {
  0x17: "secp256r1",
  0x18: "secp384r1",
  0x1d: "x25519",
  0x11ec: "X25519MLKEM768",
};
const VERSIONS: Record<number, string> = { 0x1: "QUIC v1", 0x6b3343cf: "QUIC v2" };

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

/** Reads what `conn` negotiated (the TLS fields come from the core's TLS machine). */
export function connInfo(conn: QuicConn): ConnInfo {
  const core = conn.core;
  const tls = coreOf(core).tls as unknown as { cipherSuite?: number; group?: number };
  const hex = (n: number | undefined) => n === undefined ? "?" : `0x${n.toString(16)}`;
  return {
    version: VERSIONS[core.version] ?? hex(core.version),
    cipher: SUITES[tls.cipherSuite ?? -1] ?? hex(tls.cipherSuite),
    group: GROUPS[tls.group ?? -1] ?? hex(tls.group),
    alpn: conn.protocol ?? "?",
    rtt: conn.getStats().rtt,
  };
}

/** One line: "QUIC v1, TLS_AES_128_GCM_SHA256, x25519, ALPN h3, RTT 0.4 ms". */
export function formatConnInfo(i: ConnInfo): string {
  return `${i.version}, ${i.cipher}, ${i.group}, ALPN ${i.alpn}, RTT ${i.rtt.toFixed(2)} ms`;
}
