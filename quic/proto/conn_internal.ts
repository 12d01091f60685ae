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

const wakers = new WeakMap<object, () => void>();

/**
 * Installs the owner's activity hook: the endpoint learns which connections
 * the application touched (stream writes, reads, close, ...) so it polls only
 * those for datagrams, events and timers instead of walking all of them.
 */
export function setWaker(conn: object, wake: () => void): void {
  wakers.set(conn, wake);
}

/** Tells the connection's owner it may have something new to send or report. */
export function wakeConn(conn: object): void {
  wakers.get(conn)?.();
}
