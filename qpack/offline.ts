/**
 * Offline QPACK interop tool, the file exchange the QPACK implementers used
 * during the IETF work:
 *
 * ```sh
 * deno run -A qpack/offline.ts decode ENCODED OUT.qif [--capacity N] [--blocked N] [--initial-capacity N]
 * deno run -A qpack/offline.ts encode IN.qif OUT --capacity N --blocked N --ack immediate|none [--sensitive a,b]
 * ```
 *
 * `decode` reads an encoded file (stream 0 = encoder stream) and writes the
 * header lists in stream order as QIF. Pre-RFC files assume the table starts
 * at full capacity: pass `--initial-capacity N` for those. `encode` writes
 * QIF header lists as an encoded file. Exits 1 with a message on bad input.
 * The logic lives in the sans-IO modules; this file only does the I/O.
 * @module
 */
import { decodeInteropFile } from "./interop_decode.ts";
import { encodeInteropFile } from "./interop_encode.ts";
import { parseQif, serializeQif } from "./interop_format.ts";
import { QpackError } from "./errors.ts";

const USAGE = `usage:
  offline.ts decode ENCODED OUT.qif [--capacity N] [--blocked N] [--initial-capacity N]
  offline.ts encode IN.qif OUT --capacity N --blocked N --ack immediate|none [--sensitive a,b|none]`;

/**
 * Runs the tool on `args` and returns the exit code; `io` does the file
 * access and output (Deno's by default).
 *
 * @example
 * ```ts
 * import { runOffline } from "./offline.ts";
 * runOffline(["decode"]); // prints the usage, returns 1
 * ```
 */
export function runOffline(args: string[], io: OfflineIo = denoIo()): number {
  try {
    const [cmd, input, output, ...rest] = args;
    if ((cmd !== "decode" && cmd !== "encode") || !input || !output) throw new UsageError(USAGE);
    const opts = parseFlags(rest);
    if (cmd === "decode") {
      const capacity = intFlag(opts, "capacity", 0);
      const lists = decodeInteropFile(io.read(input), {
        maxTableCapacity: capacity,
        maxBlockedStreams: intFlag(opts, "blocked", 100),
        initialTableCapacity: intFlag(opts, "initial-capacity", 0),
      });
      io.write(output, serializeQif(lists));
      io.log(`decoded ${lists.length} header lists`);
    } else {
      const ack = opts.get("ack");
      if (ack !== "immediate" && ack !== "none") {
        throw new UsageError("--ack must be immediate or none");
      }
      if (!opts.has("capacity") || !opts.has("blocked")) {
        throw new UsageError("encode needs --capacity and --blocked");
      }
      const sensitive = opts.get("sensitive");
      const lists = parseQif(io.read(input));
      const file = encodeInteropFile(lists, {
        maxTableCapacity: intFlag(opts, "capacity", 0),
        maxBlockedStreams: intFlag(opts, "blocked", 0),
        ack,
        sensitiveNames: sensitive === undefined
          ? undefined
          : sensitive === "none"
          ? []
          : sensitive.split(","),
      });
      io.write(output, file);
      io.log(`encoded ${lists.length} header lists into ${file.length} bytes`);
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError) io.error(e.message);
    else if (e instanceof QpackError) {
      io.error(`QPACK error 0x${e.code.toString(16)}: ${e.message}`);
    } else if (e instanceof SyntaxError) io.error(`malformed input: ${e.message}`);
    else io.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

/**
 * File access and output used by {@link runOffline}.
 *
 * @example
 * ```ts
 * import type { OfflineIo } from "@gquic/core/qpack";
 * const io: OfflineIo = {
 *   read: () => new Uint8Array(0), write: () => {}, log: console.log, error: console.error,
 * };
 * console.log(typeof io.read);
 * ```
 */
export interface OfflineIo {
  /** Reads a whole file. */
  read(path: string): Uint8Array;
  /** Writes a whole file. */
  write(path: string, data: Uint8Array): void;
  /** Prints progress. */
  log(message: string): void;
  /** Prints an error. */
  error(message: string): void;
}

class UsageError extends Error {}

function denoIo(): OfflineIo {
  return {
    read: (p) => Deno.readFileSync(p),
    write: (p, d) => Deno.writeFileSync(p, d),
    log: (m) => console.log(m),
    error: (m) => console.error(m),
  };
}

function parseFlags(rest: string[]): Map<string, string> {
  const opts = new Map<string, string>();
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (!a.startsWith("--")) throw new UsageError(`unexpected argument ${a}\n${USAGE}`);
    const eq = a.indexOf("=");
    if (eq > 0) opts.set(a.slice(2, eq), a.slice(eq + 1));
    else {
      if (i + 1 >= rest.length) throw new UsageError(`${a} needs a value`);
      opts.set(a.slice(2), rest[++i]);
    }
  }
  return opts;
}

function intFlag(opts: Map<string, string>, name: string, dflt: number): number {
  const v = opts.get(name);
  if (v === undefined) return dflt;
  if (!/^\d{1,15}$/.test(v)) throw new UsageError(`--${name} must be a non-negative integer`);
  return Number(v);
}

if (import.meta.main) {
  try {
    Deno.exit(runOffline(Deno.args));
  } catch (e) {
    console.error(String(e));
    Deno.exit(1);
  }
}
