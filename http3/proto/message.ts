/**
 * HTTP message validation for HTTP/3 (RFC 9114 §4.1–§4.3, §4.4, RFC 9220 §3):
 * pseudo-header rules, field name and value syntax (RFC 9110 §5.1, §5.5),
 * connection-specific fields, Content-Length. A violation is a malformed
 * message, which RFC 9114 §4.1.2 makes a *stream* error H3_MESSAGE_ERROR:
 * every function here throws {@link H3Error} with scope "stream".
 * @module
 */
import type { FieldLine } from "../../qpack/field_line.ts";
import { H3Error, H3ErrorCode } from "./errors.ts";

/**
 * A validated request header section.
 *
 * @example
 * ```ts
 * import type { RequestHead } from "@gquic/core/http3";
 * const h: RequestHead = { method: "GET", scheme: "https", authority: "a", path: "/", headers: [], contentLength: null };
 * console.log(h.method);
 * ```
 */
export interface RequestHead {
  /** :method */
  method: string;
  /** :scheme (absent for classic CONNECT). */
  scheme?: string;
  /** :authority (or the Host field when :authority is absent). */
  authority?: string;
  /** :path (absent for classic CONNECT). */
  path?: string;
  /** :protocol of an extended CONNECT (RFC 9220). */
  protocol?: string;
  /** The regular (non-pseudo) fields, in order. */
  headers: FieldLine[];
  /** Parsed Content-Length, or null when absent. */
  contentLength: number | null;
}

/**
 * A validated response header section.
 *
 * @example
 * ```ts
 * import type { ResponseHead } from "@gquic/core/http3";
 * const h: ResponseHead = { status: 200, headers: [], contentLength: 5 };
 * console.log(h.status);
 * ```
 */
export interface ResponseHead {
  /** :status, 100–599 (101 excluded, RFC 9114 §4.5). */
  status: number;
  /** The regular fields, in order. */
  headers: FieldLine[];
  /** Parsed Content-Length, or null when absent. */
  contentLength: number | null;
}

/**
 * Options for {@link validateRequestHeaders}.
 *
 * @example
 * ```ts
 * import type { RequestValidationOptions } from "@gquic/core/http3";
 * const o: RequestValidationOptions = { enableConnectProtocol: true };
 * console.log(o.enableConnectProtocol);
 * ```
 */
export interface RequestValidationOptions {
  /** We sent SETTINGS_ENABLE_CONNECT_PROTOCOL=1, so :protocol is allowed (RFC 9220 §3). */
  enableConnectProtocol?: boolean;
}

function malformed(message: string): H3Error {
  return new H3Error(H3ErrorCode.H3_MESSAGE_ERROR, message, "stream");
}

// RFC 9110 §5.6.2 tchar, lower case only (RFC 9114 §4.2: upper case is malformed).
const TOKEN_LOWER = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz") {
  TOKEN_LOWER[c.charCodeAt(0)] = 1;
}
// RFC 9114 §4.2: connection-specific fields make a message malformed.
const CONNECTION_SPECIFIC = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
]);
const REQUEST_PSEUDO = new Set([":method", ":scheme", ":authority", ":path", ":protocol"]);

/**
 * True when `name` is a valid lower-case field name (RFC 9110 §5.1 token,
 * RFC 9114 §4.2).
 *
 * @example
 * ```ts
 * import { isValidFieldName } from "@gquic/core/http3";
 * console.log(isValidFieldName("content-type"), isValidFieldName("Content-Type")); // true false
 * ```
 */
export function isValidFieldName(name: string): boolean {
  if (name.length === 0) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 128 || TOKEN_LOWER[c] === 0) return false;
  }
  return true;
}

/**
 * True when `value` matches RFC 9110 §5.5 field-value: visible ASCII,
 * obs-text, and SP/HTAB only between other characters (no CR, LF, NUL, other
 * controls, nor leading or trailing whitespace). Values are byte strings.
 *
 * @example
 * ```ts
 * import { isValidFieldValue } from "@gquic/core/http3";
 * console.log(isValidFieldValue("a b"), isValidFieldValue(" a"), isValidFieldValue("a\r\nb")); // true false false
 * ```
 */
export function isValidFieldValue(value: string): boolean {
  const n = value.length;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x20 || c === 0x09) {
      if (i === 0 || i === n - 1) return false;
    } else if (c < 0x21 || c === 0x7f || c > 0xff) {
      return false;
    }
  }
  return true;
}

// Shared checks of a regular field line; returns updated content length.
function checkRegularField(f: FieldLine, isRequest: boolean): void {
  if (!isValidFieldName(f.name)) throw malformed(`invalid field name ${JSON.stringify(f.name)}`);
  if (!isValidFieldValue(f.value)) throw malformed(`invalid value for field ${f.name}`);
  if (CONNECTION_SPECIFIC.has(f.name)) throw malformed(`connection-specific field ${f.name}`);
  if (f.name === "te") {
    // RFC 9114 §4.2: TE only in requests, and only "trailers".
    if (!isRequest || f.value !== "trailers") throw malformed(`te: ${f.value}`);
  }
}

/**
 * Parses the Content-Length fields of a section (RFC 9110 §8.6): digits only;
 * repeated fields or comma lists must all carry the same value.
 */
function contentLengthOf(fields: FieldLine[]): number | null {
  let result: number | null = null;
  for (const f of fields) {
    if (f.name !== "content-length") continue;
    for (const part of f.value.split(",")) {
      const v = part.trim();
      if (!/^[0-9]{1,15}$/.test(v)) throw malformed(`invalid content-length ${f.value}`);
      const n = Number(v);
      if (result !== null && result !== n) throw malformed("conflicting content-length values");
      result = n;
    }
  }
  return result;
}

function noSpace(name: string, value: string): void {
  // Pseudo-header values that are URI components or tokens never contain
  // whitespace (RFC 9114 §4.3.1).
  if (value.length === 0) throw malformed(`empty ${name}`);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c > 0xff) throw malformed(`invalid character in ${name}`);
  }
}

/**
 * Validates a request header section (RFC 9114 §4.2, §4.3.1, §4.4, RFC 9220
 * §3). Throws a stream {@link H3Error} H3_MESSAGE_ERROR if it is malformed.
 *
 * @example
 * ```ts
 * import { validateRequestHeaders } from "@gquic/core/http3";
 * const head = validateRequestHeaders([
 *   { name: ":method", value: "GET" }, { name: ":scheme", value: "https" },
 *   { name: ":authority", value: "example.com" }, { name: ":path", value: "/" },
 * ]);
 * console.log(head.method, head.path); // GET /
 * ```
 */
export function validateRequestHeaders(
  fields: readonly FieldLine[],
  options: RequestValidationOptions = {},
): RequestHead {
  const pseudo = new Map<string, string>();
  const headers: FieldLine[] = [];
  let host: string | undefined;
  for (const f of fields) {
    if (f.name.startsWith(":")) {
      // RFC 9114 §4.3: pseudo-headers first, known ones only, no duplicates.
      if (headers.length > 0) throw malformed(`pseudo-header ${f.name} after regular fields`);
      if (!REQUEST_PSEUDO.has(f.name)) throw malformed(`invalid request pseudo-header ${f.name}`);
      if (pseudo.has(f.name)) throw malformed(`duplicate ${f.name}`);
      if (!isValidFieldValue(f.value)) throw malformed(`invalid value for ${f.name}`);
      pseudo.set(f.name, f.value);
      continue;
    }
    checkRegularField(f, true);
    if (f.name === "host") {
      if (host !== undefined) throw malformed("duplicate host");
      host = f.value;
    }
    headers.push(f);
  }
  const method = pseudo.get(":method");
  if (method === undefined) throw malformed("missing :method");
  noSpace(":method", method);
  for (const c of method) {
    if (c.charCodeAt(0) >= 128 || TOKEN_LOWER[c.toLowerCase().charCodeAt(0)] === 0) {
      throw malformed("invalid :method");
    }
  }
  const scheme = pseudo.get(":scheme");
  const path = pseudo.get(":path");
  const protocol = pseudo.get(":protocol");
  let authority = pseudo.get(":authority");
  if (authority !== undefined) noSpace(":authority", authority);
  if (authority !== undefined && host !== undefined && authority !== host) {
    // RFC 9114 §4.3.1: both present → same value.
    throw malformed(":authority and host differ");
  }
  if (host !== undefined && host.length === 0) throw malformed("empty host");
  if (protocol !== undefined) {
    // RFC 9220 §3 / RFC 8441 §4: extended CONNECT needs the setting, and all
    // of :scheme, :path, :authority.
    if (method !== "CONNECT") throw malformed(":protocol on a non-CONNECT request");
    if (!options.enableConnectProtocol) {
      throw malformed(":protocol without ENABLE_CONNECT_PROTOCOL");
    }
    noSpace(":protocol", protocol);
    if (scheme === undefined || path === undefined || authority === undefined) {
      throw malformed("extended CONNECT lacks :scheme, :path or :authority");
    }
  } else if (method === "CONNECT") {
    // RFC 9114 §4.4: :scheme and :path omitted, :authority required.
    if (scheme !== undefined || path !== undefined) throw malformed("CONNECT with :scheme/:path");
    if (authority === undefined) throw malformed("CONNECT without :authority");
    return { method, authority, headers, contentLength: contentLengthOf(headers) };
  }
  if (scheme === undefined) throw malformed("missing :scheme");
  if (path === undefined) throw malformed("missing :path");
  noSpace(":scheme", scheme);
  noSpace(":path", path);
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*$/.test(scheme)) throw malformed("invalid :scheme");
  const lowerScheme = scheme.toLowerCase();
  if (lowerScheme === "http" || lowerScheme === "https") {
    // RFC 9114 §4.3.1: authority (or Host) required and non-empty; no
    // userinfo; path is "/..." or "*" for OPTIONS.
    if (authority === undefined && host === undefined) throw malformed("missing :authority");
    authority ??= host;
    if (authority!.includes("@")) throw malformed(":authority with userinfo");
    if (!(path.startsWith("/") || (path === "*" && method === "OPTIONS"))) {
      throw malformed("invalid :path");
    }
  }
  authority ??= host;
  const head: RequestHead = {
    method,
    scheme,
    path,
    headers,
    contentLength: contentLengthOf(headers),
  };
  if (authority !== undefined) head.authority = authority;
  if (protocol !== undefined) head.protocol = protocol;
  return head;
}

/**
 * Validates a response header section (RFC 9114 §4.3.2). 1xx statuses are
 * interim responses (§4.1); 101 is not allowed in HTTP/3 (§4.5).
 *
 * @example
 * ```ts
 * import { validateResponseHeaders } from "@gquic/core/http3";
 * console.log(validateResponseHeaders([{ name: ":status", value: "204" }]).status); // 204
 * ```
 */
export function validateResponseHeaders(fields: readonly FieldLine[]): ResponseHead {
  let status: string | undefined;
  const headers: FieldLine[] = [];
  for (const f of fields) {
    if (f.name.startsWith(":")) {
      if (headers.length > 0) throw malformed(`pseudo-header ${f.name} after regular fields`);
      if (f.name !== ":status") throw malformed(`invalid response pseudo-header ${f.name}`);
      if (status !== undefined) throw malformed("duplicate :status");
      status = f.value;
      continue;
    }
    checkRegularField(f, false);
    headers.push(f);
  }
  if (status === undefined) throw malformed("missing :status");
  if (!/^[1-5][0-9][0-9]$/.test(status)) throw malformed(`invalid :status ${status}`);
  const code = Number(status);
  if (code === 101) throw malformed("101 Switching Protocols is not allowed in HTTP/3");
  return { status: code, headers, contentLength: contentLengthOf(headers) };
}

/**
 * Validates a trailer section (RFC 9114 §4.1, §4.3: no pseudo-headers).
 *
 * @example
 * ```ts
 * import { validateTrailers } from "@gquic/core/http3";
 * console.log(validateTrailers([{ name: "grpc-status", value: "0" }]).length); // 1
 * ```
 */
export function validateTrailers(fields: readonly FieldLine[], isRequest = false): FieldLine[] {
  const out: FieldLine[] = [];
  for (const f of fields) {
    if (f.name.startsWith(":")) throw malformed(`pseudo-header ${f.name} in trailers`);
    checkRegularField(f, isRequest);
    out.push(f);
  }
  return out;
}

/**
 * Size of a field section as RFC 9114 §4.2.2 counts it for
 * SETTINGS_MAX_FIELD_SECTION_SIZE: name + value + 32 per line.
 *
 * @example
 * ```ts
 * import { fieldSectionSize } from "@gquic/core/http3";
 * console.log(fieldSectionSize([{ name: "a", value: "bc" }])); // 35
 * ```
 */
export function fieldSectionSize(fields: readonly FieldLine[]): number {
  let n = 0;
  for (const f of fields) n += f.name.length + f.value.length + 32;
  return n;
}

/**
 * Whether a response carries content (RFC 9110 §6.4.1): not to HEAD, not
 * 1xx/204/304, and not a 2xx to CONNECT (a tunnel). Where it does not,
 * Content-Length is not compared with the DATA received (RFC 9114 §4.1.2).
 *
 * @example
 * ```ts
 * import { responseHasContent } from "@gquic/core/http3";
 * console.log(responseHasContent("HEAD", 200), responseHasContent("GET", 200)); // false true
 * ```
 */
export function responseHasContent(requestMethod: string | undefined, status: number): boolean {
  if (requestMethod === "HEAD") return false;
  if (status < 200 || status === 204 || status === 304) return false;
  if (requestMethod === "CONNECT" && status < 300) return false;
  return true;
}
