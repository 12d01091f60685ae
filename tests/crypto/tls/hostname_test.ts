import assert from "node:assert/strict";
import { checkServerName, formatIp, matchDnsName, parseIp } from "../../../crypto/tls/hostname.ts";

Deno.test("hostname: wildcards only as the whole left-most label (RFC 6125 §6.4.3)", () => {
  const yes: [string, string][] = [
    ["example.com", "example.com"],
    ["Example.COM", "example.com"],
    ["example.com.", "EXAMPLE.com"],
    ["example.com", "example.com."],
    ["*.example.com", "www.example.com"],
    ["*.EXAMPLE.com", "Www.example.Com"],
  ];
  const no: [string, string][] = [
    ["example.com", "www.example.com"],
    ["*.example.com", "example.com"],
    ["*.example.com", "a.b.example.com"],
    ["*.example.com", ".example.com"],
    ["w*.example.com", "www.example.com"],
    ["*w.example.com", "www.example.com"],
    ["www.*.com", "www.example.com"],
    ["*.com", "example.com"],
    ["*", "example"],
    ["*.*.example.com", "a.b.example.com"],
    ["", ""],
    ["*..com", "a..com"],
  ];
  for (const [p, h] of yes) assert.equal(matchDnsName(p, h), true, `${p} ~ ${h}`);
  for (const [p, h] of no) assert.equal(matchDnsName(p, h), false, `${p} !~ ${h}`);
});

Deno.test("hostname: IP literals, canonical IPv6 (RFC 5952)", () => {
  const canon: [string, string][] = [
    ["127.0.0.1", "127.0.0.1"],
    ["::1", "::1"],
    ["[::1]", "::1"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["2001:DB8::0001", "2001:db8::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    ["::", "::"],
    ["fe80::", "fe80::"],
    ["::ffff:192.0.2.1", "::ffff:c000:201"],
    ["1:0:0:2:0:0:0:3", "1:0:0:2::3"],
  ];
  for (const [input, want] of canon) assert.equal(formatIp(parseIp(input)!), want, input);
  for (
    const bad of [
      "1.2.3",
      "1.2.3.256",
      "01.2.3.4",
      "1::2::3",
      "12345::",
      "1:2:3:4:5:6:7:8:9",
      "g::1",
      "example.com",
      "1:2:3:4:5:6:7",
    ]
  ) {
    assert.equal(parseIp(bad), null, bad);
  }
  assert.equal(checkServerName("::1", ["localhost"], ["::1"]), null);
  assert.equal(checkServerName("0::1", [], ["::1"]), null);
  assert.match(
    checkServerName("127.0.0.1", ["127.0.0.1"], [])!,
    /not in the certificate's IP SANs/,
  );
  assert.equal(checkServerName("localhost", ["localhost"], []), null);
  assert.match(
    checkServerName("x.test", ["a.test", "b.test"], [])!,
    /"x.test" not in .*\[a.test, b.test\]/,
  );
});
