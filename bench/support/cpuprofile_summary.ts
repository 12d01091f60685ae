/**
 * Summarises a V8 `.cpuprofile` (from `deno run --cpu-prof`) as self time
 * per function: `deno run -A bench/support/cpuprofile_summary.ts FILE [N]`.
 * @module
 */
interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time (ms) per "function file:line", largest first. */
export function selfTimes(p: Profile): { name: string; ms: number; pct: number }[] {
  const byId = new Map<number, Node>();
  for (const n of p.nodes) byId.set(n.id, n);
  const self = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const n = byId.get(p.samples[i])!;
    const dt = (p.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    const f = n.callFrame;
    const file = f.url.split("/").slice(-2).join("/");
    const key = `${f.functionName || "(anon)"} ${file}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  return [...self].map(([name, ms]) => ({ name, ms, pct: (100 * ms) / total }))
    .sort((a, b) => b.ms - a.ms);
}

if (import.meta.main) {
  const p = JSON.parse(Deno.readTextFileSync(Deno.args[0])) as Profile;
  const n = Number(Deno.args[1] ?? 30);
  for (const r of selfTimes(p).slice(0, n)) {
    console.log(`${r.ms.toFixed(0).padStart(7)} ms ${r.pct.toFixed(1).padStart(5)}%  ${r.name}`);
  }
}
