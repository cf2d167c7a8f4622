// Reads a V8 .cpuprofile (node --cpu-prof) and says where the time went: by
// function (self time) and by package, which is what the bench's notes quote.
import { readFileSync } from 'node:fs';

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

export type ProfileSummary = {
  file: string;
  totalMs: number;
  functions: { name: string; where: string; selfMs: number; percent: number }[];
  packages: { name: string; selfMs: number; percent: number }[];
};

function packageOf(url: string, name: string): string {
  if (!url) return name === '(idle)' || name === '(program)' || name === '(garbage collector)' ? name : '(native)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  if (url.startsWith('node:')) return 'node core';
  const src = /\/(src|bench)\/(.+)$/.exec(url);
  return src ? `${src[1]}/${src[2].split('/').slice(0, -1).join('/') || '.'}` : url;
}

export function summarizeProfile(file: string, top = 20): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  const fns = new Map<string, { name: string; where: string; us: number }>();
  const pkgs = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const n = byId.get(id);
    if (!n) continue;
    const { functionName, url, lineNumber } = n.callFrame;
    const name = functionName || '(anonymous)';
    if (name === '(idle)') continue;
    total += us;
    const where = url ? `${url.replace(/^file:\/\/.*?\/(node_modules|src|bench)\//, '$1/')}:${lineNumber + 1}` : '';
    const key = `${name}@${where}`;
    const f = fns.get(key) ?? { name, where, us: 0 };
    f.us += us;
    fns.set(key, f);
    const pkg = packageOf(url, name);
    pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + us);
  }
  const pct = (us: number) => Math.round((us / Math.max(total, 1)) * 1000) / 10;
  const ms = (us: number) => Math.round(us / 100) / 10;
  return {
    file,
    totalMs: ms(total),
    functions: [...fns.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, selfMs: ms(f.us), percent: pct(f.us) })),
    packages: [...pkgs.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, selfMs: ms(us), percent: pct(us) })),
  };
}

export function profileText(s: ProfileSummary): string {
  const lines = [`CPU profile ${s.file}: ${s.totalMs} ms busy (idle excluded)`, 'by package:'];
  for (const p of s.packages) lines.push(`  ${String(p.percent).padStart(5)}%  ${p.name}`);
  lines.push('by function (self time):');
  for (const f of s.functions) lines.push(`  ${String(f.percent).padStart(5)}%  ${f.name}  ${f.where}`);
  return lines.join('\n');
}

// `tsx bench/lib/profile.ts <file.cpuprofile>` prints the summary of any profile.
if (process.argv[1]?.endsWith('profile.ts') && process.argv[2]) {
  process.stdout.write(`${profileText(summarizeProfile(process.argv[2], Number(process.argv[3] ?? 25)))}\n`);
}
