/**
 * Command-line parsing for `gquic`: positional arguments, `--name value`,
 * `--name=value`, boolean flags and short aliases, with one-line errors.
 * @module
 */

/** Parsed arguments: positionals and named options. */
export interface ParsedArgs {
  /** Arguments that are not options. */
  positional: string[];
  /** Named options (booleans for flags). */
  options: Record<string, string | boolean>;
}

/** A usage error (printed as one line, exit status 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * Parses `args`: `valued` options take a value, `flags` do not; `aliases`
 * maps short names (`o`) to long ones (`output`). Unknown options throw
 * {@link UsageError}.
 */
export function parseArgs(
  args: string[],
  valued: string[],
  flags: string[],
  aliases: Record<string, string> = {},
): ParsedArgs {
  const out: ParsedArgs = { positional: [], options: {} };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--") {
      out.positional.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith("-") || a === "-") {
      out.positional.push(a);
      continue;
    }
    let name = a.replace(/^--?/, "");
    let value: string | undefined;
    const eq = name.indexOf("=");
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    name = aliases[name] ?? name;
    if (flags.includes(name)) {
      if (value !== undefined) throw new UsageError(`--${name} takes no value`);
      out.options[name] = true;
    } else if (valued.includes(name)) {
      if (value === undefined) {
        if (i + 1 >= args.length) throw new UsageError(`--${name} needs a value`);
        value = args[++i];
      }
      out.options[name] = value;
    } else {
      throw new UsageError(`unknown option ${a}`);
    }
  }
  return out;
}

/** A port option as a number in 0..65535 (or `fallback`). */
export function portOption(v: string | boolean | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== "string" || !/^\d+$/.test(v) || n > 65535) {
    throw new UsageError(`invalid port ${v}`);
  }
  return n;
}

/** A string option or undefined. */
export function str(v: string | boolean | undefined): string | undefined {
  return typeof v === "string" ? v : undefined;
}
