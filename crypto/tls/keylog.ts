/**
 * NSS key log lines (the SSLKEYLOGFILE format Wireshark reads): `LABEL
 * <client_random hex> <secret hex>`. Writing them to a file is the driver's job.
 * @module
 */

/**
 * The labels of TLS 1.3 secrets in the NSS key log format.
 *
 * @example
 * ```ts
 * import { KeyLogLabel } from "@gquic/core/crypto";
 * console.log(KeyLogLabel.clientTraffic0); // "CLIENT_TRAFFIC_SECRET_0"
 * ```
 */
export const KeyLogLabel = {
  clientEarly: "CLIENT_EARLY_TRAFFIC_SECRET",
  clientHandshake: "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
  serverHandshake: "SERVER_HANDSHAKE_TRAFFIC_SECRET",
  clientTraffic0: "CLIENT_TRAFFIC_SECRET_0",
  serverTraffic0: "SERVER_TRAFFIC_SECRET_0",
  exporter: "EXPORTER_SECRET",
} as const;

function hex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? "0" : "") + b[i].toString(16);
  return s;
}

/**
 * Formats one key log line (no trailing newline).
 *
 * @example
 * ```ts
 * import { formatKeyLogLine } from "@gquic/core/crypto";
 * console.log(formatKeyLogLine("CLIENT_TRAFFIC_SECRET_0", new Uint8Array(32), Uint8Array.of(0xab)));
 * ```
 */
export function formatKeyLogLine(
  label: string,
  clientRandom: Uint8Array,
  secret: Uint8Array,
): string {
  return `${label} ${hex(clientRandom)} ${hex(secret)}`;
}
