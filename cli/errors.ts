/**
 * One clear line for every failure the CLI can hit: unreachable hosts,
 * certificates that are not trusted (and which option fixes it), and peer
 * errors by their RFC names (RFC 9000 §20, RFC 9114 §8.1, RFC 8446 §6).
 * @module
 */
import { QuicConnectionError, QuicStreamError } from "../quic/api_types.ts";
import { transportErrorName } from "../quic/proto/errors.ts";
import { alertName } from "../crypto/tls/alert.ts";
import { H3StreamError } from "../http3/body.ts";
import { h3ErrorName } from "../http3/proto/errors.ts";

/** The RFC name of a QUIC or HTTP/3 close code. */
export function closeCodeName(code: number, isApplication: boolean): string {
  if (isApplication) return h3ErrorName(code);
  if (code >= 0x100 && code <= 0x1ff) return `CRYPTO_ERROR (TLS alert ${alertName(code - 0x100)})`;
  return transportErrorName(code);
}

/** Describes `err` (from fetch or connectQuic) as one line; `target` is "host:port". */
export function describeError(err: unknown, target: string): string {
  let e: unknown = err;
  while (e instanceof TypeError && e.cause !== undefined) e = e.cause;
  if (e instanceof QuicConnectionError) {
    if (e.kind === "timeout" || e.kind === "idleTimeout") {
      return `cannot reach ${target}: no QUIC answer (timed out; is an HTTP/3 server listening on that UDP port?)`;
    }
    if (e.kind === "aborted") return `${target}: aborted`;
    if (e.kind === "statelessReset") {
      return `${target}: connection reset by the server (stateless reset)`;
    }
    if (e.kind === "versionNegotiation") {
      return `${target}: the server supports no QUIC version we speak (${e.reason})`;
    }
    const crypto = !e.isApplication && e.closeCode >= 0x100 && e.closeCode <= 0x1ff;
    if (crypto && !e.byPeer) return certificateProblem(e.closeCode - 0x100, e.reason, target);
    const who = e.byPeer ? "the server closed the connection" : "connection failed";
    const reason = e.reason ? `: ${e.reason}` : "";
    return `${target}: ${who} with ${closeCodeName(e.closeCode, e.isApplication)}${reason}`;
  }
  if (e instanceof H3StreamError) return `${target}: request failed: ${e.message}`;
  if (e instanceof QuicStreamError) {
    return `${target}: stream ${e.kind} with ${h3ErrorName(e.code)}`;
  }
  if (e instanceof Deno.errors.NotFound) return `cannot resolve ${target}: ${e.message}`;
  if (e instanceof Error) return `${target}: ${e.message}`;
  return `${target}: ${String(e)}`;
}

function certificateProblem(alert: number, reason: string, target: string): string {
  const name = alertName(alert);
  if (alert === 45) {
    return `certificate not trusted: expired or not yet valid (${reason}); ` +
      `check the clock or renew it (--insecure skips verification)`;
  }
  if (alert === 48) {
    return `certificate not trusted: unknown CA (${reason}); ` +
      `pass the issuing CA with --ca FILE (or --insecure for local testing)`;
  }
  if (alert === 42 && /name|SAN|host|match/i.test(reason)) {
    return `certificate not trusted: wrong name for ${target} (${reason}); ` +
      `connect with a name the certificate lists (or --insecure)`;
  }
  return `certificate not trusted: ${name} (${reason}); --ca FILE or --insecure may help`;
}
