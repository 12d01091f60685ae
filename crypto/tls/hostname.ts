/**
 * Server identity checks (RFC 6125 §6 as profiled by RFC 9525): DNS names
 * against dNSName SANs with a wildcard only as the whole left-most label,
 * IP literals only against iPAddress SANs, compared in canonical form
 * (RFC 5952 for IPv6). The subject CN is never consulted (RFC 9525 §6.3).
 * @module
 */

/**
 * Parses an IPv4 dotted quad or an IPv6 literal (optionally in brackets) to
 * 4 or 16 bytes, or returns null if `text` is not an IP literal.
 *
 * @example
 * ```ts
 * import { parseIp } from "@gquic/core/crypto";
 * console.log(parseIp("127.0.0.1")); // Uint8Array(4) [127, 0, 0, 1]
 * ```
 */
export function parseIp(text: string): Uint8Array | null {
  if (text.length > 64) return null;
  if (text.startsWith("[") && text.endsWith("]")) text = text.slice(1, -1);
  if (!text.includes(":")) return parseIpv4(text);
  return parseIpv6(text);
}

function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    // No leading zeros: "010" is octal to some parsers, so refuse it.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

function parseIpv6(text: string): Uint8Array | null {
  const out = new Uint8Array(16);
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parseGroups = (s: string): number[] | null => {
    if (s === "") return [];
    const groups: number[] = [];
    const parts = s.split(":");
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes(".")) {
        const v4 = parseIpv4(p);
        if (!v4) return null;
        groups.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
        groups.push(parseInt(p, 16));
      }
    }
    return groups;
  };
  const head = parseGroups(halves[0]);
  const tail = halves.length === 2 ? parseGroups(halves[1]) : [];
  if (!head || !tail) return null;
  if (halves.length === 1 && head.length !== 8) return null;
  if (halves.length === 2 && head.length + tail.length > 7) return null;
  const groups = [...head, ...new Array(8 - head.length - tail.length).fill(0), ...tail];
  for (let i = 0; i < 8; i++) {
    out[2 * i] = groups[i] >> 8;
    out[2 * i + 1] = groups[i] & 0xff;
  }
  return out;
}

/**
 * Canonical text for 4 or 16 IP bytes: dotted quad, or RFC 5952 §4 IPv6
 * (lower case, no leading zeros, the longest run of ≥ 2 zero groups as `::`).
 *
 * @example
 * ```ts
 * import { formatIp, parseIp } from "@gquic/core/crypto";
 * console.log(formatIp(parseIp("2001:DB8:0:0:0:0:0:1")!)); // "2001:db8::1"
 * ```
 */
export function formatIp(b: Uint8Array): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i] << 8) | b[i + 1]);
  let bestStart = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (x: number[]) => x.map((v) => v.toString(16)).join(":");
  if (bestStart < 0) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

function normalizeDns(name: string): string {
  const n = name.toLowerCase(); // ASCII case-insensitive (RFC 6125 §6.4.1); A-labels only
  return n.endsWith(".") ? n.slice(0, -1) : n;
}

/**
 * True if a single SAN dNSName `pattern` matches `host` (RFC 6125 §6.4.3):
 * a wildcard is allowed only as the entire left-most label and matches
 * exactly one label; `*.com`-style patterns with fewer than two fixed labels
 * never match.
 *
 * @example
 * ```ts
 * import { matchDnsName } from "@gquic/core/crypto";
 * console.log(matchDnsName("*.example.com", "WWW.example.com")); // true
 * console.log(matchDnsName("*.example.com", "a.b.example.com")); // false
 * ```
 */
export function matchDnsName(pattern: string, host: string): boolean {
  const p = normalizeDns(pattern), h = normalizeDns(host);
  if (p.length === 0 || h.length === 0) return false;
  if (!p.startsWith("*.")) return !p.includes("*") && p === h;
  const rest = p.slice(2);
  if (rest.includes("*") || rest.split(".").length < 2 || rest.split(".").includes("")) {
    return false;
  }
  const dot = h.indexOf(".");
  if (dot <= 0) return false; // the wildcard matches one non-empty label
  return h.slice(dot + 1) === rest;
}

/**
 * Checks `serverName` (DNS name or IP literal) against a certificate's SANs;
 * returns null on a match, else the reason for the error message.
 *
 * @example
 * ```ts
 * import { checkServerName } from "@gquic/core/crypto";
 * console.log(checkServerName("::1", [], ["::1"])); // null
 * ```
 */
export function checkServerName(
  serverName: string,
  sanDns: string[],
  sanIps: string[],
): string | null {
  const ip = parseIp(serverName);
  if (ip) {
    const want = formatIp(ip);
    if (sanIps.includes(want)) return null;
    return `IP address ${want} not in the certificate's IP SANs [${sanIps.join(", ")}]`;
  }
  for (const pattern of sanDns) if (matchDnsName(pattern, serverName)) return null;
  return `name "${serverName}" not in the certificate's DNS SANs [${sanDns.join(", ")}]`;
}
