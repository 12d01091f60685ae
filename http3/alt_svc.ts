/**
 * Advertising HTTP/3 from an HTTP/1.1 / HTTP/2 server: the `Alt-Svc`
 * header (RFC 7838, `h3` ALPN token from RFC 9114 §3.1.1) added to every
 * response of a `Deno.serve` handler, so browsers switch to QUIC on the
 * same port number.
 * @module
 */

/**
 * Options of {@link altSvcValue} and {@link withAltSvc}.
 *
 * @example
 * ```ts
 * import type { AltSvcOptions } from "@gquic/core/http3";
 * const o: AltSvcOptions = { port: 443, maxAge: 3600 };
 * console.log(o.port);
 * ```
 */
export interface AltSvcOptions {
  /** UDP port of the HTTP/3 server. */
  port: number;
  /** Another host serving HTTP/3 (default: the same host). */
  host?: string;
  /** Seconds the alternative stays fresh (`ma`, RFC 7838 §3.1; default 86400). */
  maxAge?: number;
}

/**
 * The `Alt-Svc` field value announcing HTTP/3 (RFC 7838 §3).
 *
 * @example
 * ```ts
 * import { altSvcValue } from "@gquic/core/http3";
 * console.log(altSvcValue({ port: 8443 })); // 'h3=":8443"; ma=86400'
 * ```
 */
export function altSvcValue(options: AltSvcOptions): string {
  const { port, host = "", maxAge = 86400 } = options;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(`altSvcValue: invalid port ${port}`);
  }
  if (/["\\\s]/.test(host)) throw new RangeError(`altSvcValue: invalid host ${host}`);
  const h = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return `h3="${h}:${port}"; ma=${Math.max(0, Math.floor(maxAge))}`;
}

/**
 * Wraps a `Deno.serve` handler so every response carries
 * `Alt-Svc: h3=":PORT"` (kept if the handler set its own). Run
 * `serve()` from `@gquic/core/http3` on the same port number and one app
 * answers HTTP/1.1 and HTTP/2 over TCP and HTTP/3 over UDP.
 *
 * @example
 * ```ts ignore
 * import { serve, withAltSvc } from "@gquic/core/http3";
 * const cert = await Deno.readTextFile("cert.pem"), key = await Deno.readTextFile("key.pem");
 * const app = (req: Request) => new Response(`hello from ${new URL(req.url).pathname}\n`);
 * Deno.serve({ port: 8443, cert, key }, withAltSvc(app, { port: 8443 }));
 * serve({ port: 8443, cert, key }, app);
 * ```
 */
export function withAltSvc<A extends unknown[]>(
  handler: (req: Request, ...rest: A) => Response | Promise<Response>,
  options: AltSvcOptions,
): (req: Request, ...rest: A) => Promise<Response> {
  const value = altSvcValue(options);
  return async (req: Request, ...rest: A): Promise<Response> => {
    const res = await handler(req, ...rest);
    if (res.headers.has("alt-svc")) return res;
    try {
      res.headers.set("alt-svc", value);
      return res;
    } catch {
      // Immutable headers (Response.redirect(), a fetched Response): copy.
      const headers = new Headers(res.headers);
      headers.set("alt-svc", value);
      return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
    }
  };
}
