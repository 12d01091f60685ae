/**
 * Access from a public `Connection` to its internal state, for the endpoint
 * and white-box tests. Not part of the public API.
 * @module
 */
import type { ConnCore } from "./conn_state.ts";

const cores = new WeakMap<object, ConnCore>();

/** Links a connection object to its state (called by its constructor). */
export function bindCore(conn: object, core: ConnCore): void {
  cores.set(conn, core);
}

/** The internal state of a connection. */
export function coreOf(conn: object): ConnCore {
  const c = cores.get(conn);
  if (!c) throw new TypeError("not a connection");
  return c;
}
