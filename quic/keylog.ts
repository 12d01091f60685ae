/**
 * SSLKEYLOGFILE writer: appends the TLS secrets the handshake reports (NSS
 * key log format) to a file so Wireshark/tshark can decrypt captures.
 * Driver-side code (file I/O), never part of the sans-IO core.
 * @module
 */

const writers = new Map<string, (line: string) => void>();

/**
 * Returns a key log sink appending lines to `path` (opened once per path,
 * created if missing). Write errors are ignored: key logging must never
 * break a connection.
 *
 * @example
 * ```ts ignore
 * import { keyLogWriter } from "@gquic/core/quic";
 * const log = keyLogWriter("/tmp/keys.log");
 * log("CLIENT_RANDOM 00 11");
 * ```
 */
export function keyLogWriter(path: string): (line: string) => void {
  let w = writers.get(path);
  if (w) return w;
  let file: Deno.FsFile | undefined;
  const enc = new TextEncoder();
  w = (line: string) => {
    try {
      file ??= Deno.openSync(path, { append: true, create: true, mode: 0o600 });
      file.writeSync(enc.encode(line + "\n"));
    } catch {
      // Key logging is best effort.
    }
  };
  writers.set(path, w);
  return w;
}

/**
 * The key log sink for `explicitPath`, else for the `SSLKEYLOGFILE`
 * environment variable when env access is already granted (never prompts),
 * else undefined.
 *
 * @example
 * ```ts
 * import { resolveKeyLog } from "@gquic/core/quic";
 * console.log(typeof resolveKeyLog(undefined)); // "undefined" unless SSLKEYLOGFILE is set and readable
 * ```
 */
export function resolveKeyLog(
  explicitPath: string | undefined,
): ((line: string) => void) | undefined {
  if (explicitPath) return keyLogWriter(explicitPath);
  try {
    const st = Deno.permissions.querySync({ name: "env", variable: "SSLKEYLOGFILE" }).state;
    if (st !== "granted") return undefined;
    const p = Deno.env.get("SSLKEYLOGFILE");
    return p ? keyLogWriter(p) : undefined;
  } catch {
    return undefined;
  }
}
