/**
 * Self size per constructor (or node type) grown between two V8 heap
 * snapshots: `deno run -A bench/support/heap_diff.ts BEFORE AFTER [N] [DIV]`
 * (DIV divides the numbers, e.g. by the connection count).
 * @module
 */
interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

/** Bytes and counts per "type:name" key. */
export function aggregate(path: string): Map<string, { size: number; count: number }> {
  const s = JSON.parse(Deno.readTextFileSync(path)) as Snapshot;
  const f = s.snapshot.meta.node_fields;
  const w = f.length;
  const ti = f.indexOf("type"), ni = f.indexOf("name"), si = f.indexOf("self_size");
  const types = s.snapshot.meta.node_types[0];
  const out = new Map<string, { size: number; count: number }>();
  for (let i = 0; i < s.nodes.length; i += w) {
    const type = types[s.nodes[i + ti]];
    let name = type === "object" || type === "closure" || type === "native"
      ? s.strings[s.nodes[i + ni]]
      : type;
    if (type === "array" || type === "hidden" || type === "code") {
      name = `${type}:${s.strings[s.nodes[i + ni]]}`.slice(0, 60);
    }
    const k = `${type}:${name}`.slice(0, 80);
    const e = out.get(k) ?? { size: 0, count: 0 };
    e.size += s.nodes[i + si];
    e.count++;
    out.set(k, e);
  }
  return out;
}

if (import.meta.main) {
  const a = aggregate(Deno.args[0]);
  const b = aggregate(Deno.args[1]);
  const n = Number(Deno.args[2] ?? 40);
  const div = Number(Deno.args[3] ?? 1);
  const rows = [...b].map(([k, v]) => {
    const o = a.get(k) ?? { size: 0, count: 0 };
    return { k, size: (v.size - o.size) / div, count: (v.count - o.count) / div };
  }).sort((x, y) => y.size - x.size);
  let total = 0;
  for (const r of rows) total += r.size;
  console.log(`total ${total.toFixed(0)} bytes`);
  for (const r of rows.slice(0, n)) {
    console.log(`${r.size.toFixed(0).padStart(9)} B ${r.count.toFixed(1).padStart(8)}x  ${r.k}`);
  }
}
