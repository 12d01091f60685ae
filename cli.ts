/**
 * The `gquic` command line:
 *
 *   deno run --unstable-net -A cli.ts serve [DIR] [--hostname H] [--port N] [--cert F --key F]
 *   deno run --unstable-net -A cli.ts get URL [-o FILE] [--ca FILE] [--insecure] [-v]
 *   deno run --unstable-net -A cli.ts perf server|client ...
 *
 * Failures print one line and exit non-zero (2 for usage errors).
 *
 * @example
 * ```ts ignore
 * import { main } from "@gquic/core/cli";
 * Deno.exit(await main(["get", "https://localhost:4433/", "--insecure"]));
 * ```
 * @module
 */
import { UsageError } from "./cli/args.ts";
import { SERVE_USAGE, serveCommand } from "./cli/serve.ts";
import { CommandError, GET_USAGE, getCommand } from "./cli/get.ts";
import { PERF_USAGE, perfCommand } from "./cli/perf.ts";
import { closeFetchConnections } from "./http3/fetch.ts";

const USAGE = `usage:\n  ${SERVE_USAGE}\n  ${GET_USAGE}\n  ${PERF_USAGE.replaceAll("\n", "\n  ")}`;

/**
 * Runs the CLI with `args` and resolves with the exit status; errors are
 * printed as one line on stderr.
 *
 * @example
 * ```ts ignore
 * import { main } from "@gquic/core/cli";
 * const status = await main(["serve", "./public", "--port", "4433"]);
 * console.log(status);
 * ```
 */
export async function main(args: string[], signal?: AbortSignal): Promise<number> {
  const [cmd, ...rest] = args;
  try {
    switch (cmd) {
      case "serve":
        return await serveCommand(rest, signal);
      case "get":
        return await getCommand(rest);
      case "perf":
        return await perfCommand(rest, signal);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        console.log(USAGE);
        return cmd === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${cmd}`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`gquic: ${e.message}`);
      if (cmd !== undefined) console.error(`(run "gquic help" for usage)`);
      return 2;
    }
    if (e instanceof CommandError) {
      console.error(`gquic: ${e.message}`);
      return 1;
    }
    console.error(`gquic: ${(e as Error)?.message ?? String(e)}`);
    return 1;
  } finally {
    closeFetchConnections();
  }
}

if (import.meta.main) {
  const status = await main(Deno.args);
  // Let a CONNECTION_CLOSE leave before exiting.
  await new Promise((r) => setTimeout(r, 20));
  Deno.exit(status);
}
