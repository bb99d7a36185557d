// Who calls a function in a .cpuprofile: self time of frames named NAME, grouped by their caller chain (DEPTH frames).
// `node bench/profile/callers.ts FILE.cpuprofile NAME [DEPTH]`.
import { readFileSync } from 'node:fs';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
const [file, name, depthArg] = process.argv.slice(2);
const prof = JSON.parse(readFileSync(file ?? '', 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const byId = new Map<number, Node>();
const parent = new Map<number, number>();
for (const n of prof.nodes) {
  byId.set(n.id, n);
  for (const c of n.children ?? []) parent.set(c, n.id);
}
const self = new Map<number, number>();
prof.samples.forEach((s, i) => self.set(s, (self.get(s) ?? 0) + (prof.timeDeltas[i] ?? 0)));
const depth = Number(depthArg ?? 4);
const agg = new Map<string, number>();
let total = 0;
for (const [id, us] of self) {
  const n = byId.get(id);
  if (n?.callFrame.functionName !== name) continue;
  total += us;
  const chain: string[] = [];
  let p = parent.get(id);
  while (p !== undefined && chain.length < depth) {
    const f = byId.get(p)?.callFrame;
    if (f !== undefined) chain.push(`${f.functionName || '(anon)'}@${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`);
    p = parent.get(p);
  }
  const k = chain.join(' < ');
  agg.set(k, (agg.get(k) ?? 0) + us);
}
console.log(`${name}: ${(total / 1000).toFixed(1)} ms`);
for (const [k, us] of [...agg].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`${(us / 1000).toFixed(1).padStart(8)} ms  ${k}`);
