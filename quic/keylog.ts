/**
 * SSLKEYLOGFILE writer: appends the TLS secrets the handshake reports (NSS
 * key log format) to a file so Wireshark/tshark can decrypt captures.
 * Driver-side code (file I/O), never part of the sans-IO core. A file is
 * opened once per path and closed when the last endpoint using it closes
 * (reference count per path), so Deno's resource sanitizer stays quiet.
 * @module
 */

interface KeyLogFile {
  refs: number;
  file: Deno.FsFile | undefined;
  readonly write: (line: string) => void;
}

const files = new Map<string, KeyLogFile>();
const enc = new TextEncoder();

function entryFor(path: string): KeyLogFile {
  let e = files.get(path);
  if (e) return e;
  const entry: KeyLogFile = {
    refs: 0,
    file: undefined,
    write: (line: string) => {
      // A closed entry (no holder left) drops lines rather than reopening.
      if (files.get(path) !== entry) return;
      try {
        entry.file ??= Deno.openSync(path, { append: true, create: true, mode: 0o600 });
        entry.file.writeSync(enc.encode(line + "\n"));
      } catch {
        // Key logging is best effort.
      }
    },
  };
  e = entry;
  files.set(path, e);
  return e;
}

/**
 * A counted reference to a key log file: `log` appends a line; `release()`
 * drops the reference and closes the file with the last one (later `log`
 * calls are ignored).
 *
 * @example
 * ```ts ignore
 * import { acquireKeyLog } from "@gquic/core/quic";
 * const h = acquireKeyLog("/tmp/keys.log");
 * h.log("CLIENT_RANDOM 00 11");
 * h.release();
 * ```
 */
export interface KeyLogHandle {
  /** Appends one line (best effort). */
  readonly log: (line: string) => void;
  /** Drops this reference (idempotent); the last one closes the file. */
  release(): void;
}

/**
 * Takes a reference to the key log file at `path` (opened lazily on the
 * first line, created if missing, mode 0600). Write errors are ignored: key
 * logging must never break a connection.
 *
 * @example
 * ```ts ignore
 * import { acquireKeyLog } from "@gquic/core/quic";
 * const h = acquireKeyLog("/tmp/keys.log");
 * h.log("CLIENT_RANDOM 00 11");
 * h.release();
 * ```
 */
export function acquireKeyLog(path: string): KeyLogHandle {
  const e = entryFor(path);
  e.refs++;
  let released = false;
  return {
    log: e.write,
    release() {
      if (released) return;
      released = true;
      if (--e.refs > 0 || files.get(path) !== e) return;
      files.delete(path);
      try {
        e.file?.close();
      } catch {
        // already closed
      }
      e.file = undefined;
    },
  };
}

/**
 * Returns a key log sink appending lines to `path`. The file stays open
 * for the life of the process (or until the last {@link acquireKeyLog}
 * holder releases it); endpoints use {@link acquireKeyLog} instead.
 *
 * @example
 * ```ts ignore
 * import { keyLogWriter } from "@gquic/core/quic";
 * const log = keyLogWriter("/tmp/keys.log");
 * log("CLIENT_RANDOM 00 11");
 * ```
 */
export function keyLogWriter(path: string): (line: string) => void {
  return entryFor(path).write;
}

/**
 * The key log path: `explicitPath`, else the `SSLKEYLOGFILE` environment
 * variable when env access is already granted (never prompts), else
 * undefined.
 *
 * @example
 * ```ts
 * import { keyLogPath } from "@gquic/core/quic";
 * console.log(keyLogPath("/tmp/keys.log")); // "/tmp/keys.log"
 * ```
 */
export function keyLogPath(explicitPath: string | undefined): string | undefined {
  if (explicitPath) return explicitPath;
  try {
    const st = Deno.permissions.querySync({ name: "env", variable: "SSLKEYLOGFILE" }).state;
    if (st !== "granted") return undefined;
    return Deno.env.get("SSLKEYLOGFILE") || undefined;
  } catch {
    return undefined;
  }
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
  const p = keyLogPath(explicitPath);
  return p ? keyLogWriter(p) : undefined;
}
