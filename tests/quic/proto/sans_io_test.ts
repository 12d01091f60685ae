/**
 * The sans-IO rule (DESIGN.md property 1): the protocol cores never reach for
 * I/O, timers, the wall clock, ambient randomness or `await`. This test scans
 * their sources (comments stripped) and fails on any such reference.
 */
import assert from "node:assert/strict";

const ROOTS = ["quic/proto", "crypto/tls", "qpack", "http3/proto"];
// Command-line shells that issue texts place inside a core folder. They hold no
// protocol logic (that lives in the sans-IO modules they call) and are never
// imported by the cores; the test below checks that too.
const CLI_SHELLS = new Set(["qpack/offline.ts"]);
const FORBIDDEN: Array<[string, RegExp]> = [
  ["Deno.*", /\bDeno\s*\./],
  ["Date.now", /\bDate\s*\.\s*now\b/],
  ["new Date()", /\bnew\s+Date\s*\(\s*\)/],
  ["performance.now", /\bperformance\s*\.\s*now\b/],
  ["setTimeout", /\bsetTimeout\b/],
  ["setInterval", /\bsetInterval\b/],
  ["queueMicrotask", /\bqueueMicrotask\b/],
  ["Math.random", /\bMath\s*\.\s*random\b/],
  ["await", /\bawait\b/],
  ["crypto.subtle", /\bcrypto\s*\.\s*subtle\b/],
  ["getRandomValues", /\bgetRandomValues\b/],
];

/**
 * Replaces comments with spaces (keeping line numbers), leaving code and
 * string literals. Handles '…', "…", `…${…}…` and regex-free code well enough
 * for a lint: a `//` inside a string is not treated as a comment.
 */
export function stripComments(src: string): string {
  let out = "";
  let i = 0;
  const n = src.length;
  // Stack of template-literal brace depths to find the end of `${ … }`.
  const tpl: number[] = [];
  let braces = 0;
  while (i < n) {
    const c = src[i], d = src[i + 1];
    if (c === "/" && d === "/") {
      while (i < n && src[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && d === "*") {
      i += 2;
      while (i < n && !(src[i] === "*" && src[i + 1] === "/")) {
        if (src[i] === "\n") out += "\n";
        i++;
      }
      i += 2;
      continue;
    }
    if (c === "'" || c === '"') {
      out += c;
      i++;
      while (i < n && src[i] !== c && src[i] !== "\n") {
        if (src[i] === "\\") out += src[i++];
        out += src[i++];
      }
      if (i < n) out += src[i++];
      continue;
    }
    if (c === "`" || (c === "}" && tpl.length > 0 && tpl[tpl.length - 1] === braces)) {
      if (c === "}") tpl.pop();
      out += c;
      i++;
      while (i < n && src[i] !== "`") {
        if (src[i] === "\\") {
          out += src[i++];
          out += src[i++];
          continue;
        }
        if (src[i] === "$" && src[i + 1] === "{") {
          out += "${";
          i += 2;
          tpl.push(braces);
          break;
        }
        out += src[i++];
      }
      if (i < n && src[i] === "`") out += src[i++];
      continue;
    }
    if (c === "{") braces++;
    if (c === "}") braces--;
    out += c;
    i++;
  }
  return out;
}

/** Returns the violations (`file:line: rule`) in one source text. */
export function scanSource(name: string, src: string): string[] {
  const found: string[] = [];
  const lines = stripComments(src).split("\n");
  lines.forEach((line, idx) => {
    for (const [rule, re] of FORBIDDEN) {
      if (re.test(line)) found.push(`${name}:${idx + 1}: ${rule}: ${line.trim()}`);
    }
  });
  return found;
}

function* walk(dir: string): Generator<string> {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  for (const e of entries) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) yield* walk(p);
    else if (e.isFile && /\.(ts|js|mjs)$/.test(e.name)) yield p;
  }
}

const repo = new URL("../../../", import.meta.url).pathname;

Deno.test("sans-io: scanner finds forbidden references and ignores comments", () => {
  const bad = [
    "const t = Date.now();",
    "setTimeout(() => 1, 5);",
    "const x = await f();",
    "Deno.exit(1);",
    "const r = Math.random();",
    "crypto.subtle.digest('SHA-256', b);",
    "const p = performance.now();",
    "const d = new Date();",
    "const s = `${setInterval(f, 1)}`;",
  ];
  for (const b of bad) assert.ok(scanSource("x.ts", b).length > 0, b);
  const good = [
    "// Date.now() is forbidden here",
    "/* setTimeout\n await */ const a = 1;",
    "const url = 'https://example.com'; // await",
    "const s = `no timers here ${1 + 2}`; /* Deno. */",
    "const awaitable = 1; const nowish = 2;",
    "const d = new Date(ms); // formatting a given time is fine",
  ];
  for (const g of good) assert.deepEqual(scanSource("x.ts", g), [], g);
  // Line numbers survive comment stripping.
  assert.match(scanSource("y.ts", "/*\n\n*/\nDate.now()")[0], /^y\.ts:4:/);
});

Deno.test("sans-io: protocol cores reference no I/O, timers, clock, randomness or await", () => {
  const violations: string[] = [];
  let files = 0;
  for (const root of ROOTS) {
    for (const f of walk(repo + root)) {
      files++;
      const rel = f.slice(repo.length);
      const src = Deno.readTextFileSync(f);
      for (const shell of CLI_SHELLS) {
        const base = shell.slice(shell.lastIndexOf("/") + 1);
        if (rel !== shell && src.includes(`/${base}"`)) violations.push(`${rel} imports ${shell}`);
      }
      if (CLI_SHELLS.has(rel)) continue;
      violations.push(...scanSource(rel, src));
    }
  }
  assert.ok(files > 0, "no core sources found to scan");
  assert.deepEqual(violations, []);
});
