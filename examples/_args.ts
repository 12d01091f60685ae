/**
 * Minimal `--name value` flag parsing shared by the examples.
 * @module
 */

/** Parses `--name value` and `--name=value` pairs. */
export function flags(args: string[] = Deno.args): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("--")) continue;
    const eq = a.indexOf("=");
    if (eq > 0) out[a.slice(2, eq)] = a.slice(eq + 1);
    else if (i + 1 < args.length && !args[i + 1].startsWith("--")) out[a.slice(2)] = args[++i];
    else out[a.slice(2)] = "true";
  }
  return out;
}
