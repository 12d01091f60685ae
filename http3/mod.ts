/**
 * gquic HTTP/3 (RFC 9114): `serve()` with a Fetch-API handler like
 * `Deno.serve`, a `fetch()` compatible with the global one (pooled
 * connections per origin), an Alt-Svc helper for `Deno.serve` apps, a
 * static file handler, and the sans-IO protocol layer underneath
 * ({@link H3Connection}, frames, settings, QPACK-backed messages).
 *
 * @example
 * ```ts ignore
 * import { fetch, serve } from "@gquic/core/http3";
 * import { generateDevCertificate } from "@gquic/core/crypto";
 * const dev = generateDevCertificate();
 * const server = serve({ port: 0, cert: dev.certPem, key: dev.keyPem, onListen() {} },
 *   () => new Response("hello over HTTP/3\n"));
 * const res = await fetch(`https://localhost:${server.addr.port}/`, {
 *   serverCertificateHashes: [{ algorithm: "sha-256", value: dev.certSha256 }],
 * });
 * console.log(await res.text());
 * await server.shutdown();
 * ```
 * @module
 */
export * from "./proto/mod.ts";
export {
  type H3Handler,
  type H3ServeHandlerInfo,
  type H3ServeOptions,
  type H3Server,
  serve,
} from "./serve.ts";
export { closeFetchConnections, fetch, type H3RequestInit } from "./fetch.ts";
export { H3Client, type H3ClientOptions } from "./pool.ts";
export type { H3PushPromise } from "./push_client.ts";
export type { H3PushResponse } from "./push_server.ts";
export {
  fieldsToHeaders,
  H3StreamError,
  headersToFields,
  requestToFields,
  responseToFields,
} from "./body.ts";
export { type AltSvcOptions, altSvcValue, withAltSvc } from "./alt_svc.ts";
export { contentType } from "./mime.ts";
export {
  type ByteRange,
  parseRange,
  staticFiles,
  type StaticFilesOptions,
} from "./static_files.ts";
// Types reachable from the public signatures above (QuicConn, transport
// options), re-exported so this entry point documents on its own (JSR).
export type {
  Connection,
  ConnectionEvent,
  ConnectionStats,
  ConnStats,
  QuicAcceptOptions,
  QuicBidirectionalStream,
  QuicCloseInfo,
  QuicConn,
  QuicConnStats,
  QuicEndpoint,
  QuicIncoming,
  QuicListener,
  QuicListenOptions,
  QuicNetAddr,
  QuicReceiveStream,
  QuicSendStream,
  QuicSendStreamOptions,
  QuicTlsInfo,
  QuicTransportOptions,
  SessionTicket,
  SocketAddr,
  StreamHost,
  StreamReadResult,
  TransportConfig,
} from "../quic/mod.ts";
