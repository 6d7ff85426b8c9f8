/**
 * Summarizes a V8 CPU profile (`node --cpu-prof`, or `pnpm bench --cpu-prof DIR`): self time by
 * function and by package, idle and GC apart; or a sampling heap profile (`--heap-prof`): bytes
 * allocated by function and by package. Usage: `node --import tsx src/profile-summary.ts
 * file.cpuprofile|file.heapprofile [top]`.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The package (or workspace folder) a script URL belongs to. */
export function packageOf(url: string): string {
  const modules = url.lastIndexOf('/node_modules/');
  if (modules !== -1) {
    const rest = url.slice(modules + 14).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const workspace = /\/(packages|apps|bench)\/([^/]+)\//.exec(url);
  if (workspace) return `${workspace[1]}/${workspace[2]}`;
  if (url.startsWith('node:') || url === '') return url || '(native)';
  return url;
}

/** Amounts (time or bytes) by call frame, summed by function and by package, largest first. */
function tally(
  entries: Iterable<[ProfileNode['callFrame'], number]>,
  top: number,
): { total: number; text: string } {
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let total = 0;
  for (const [{ functionName, url, lineNumber }, amount] of entries) {
    total += amount;
    const where = url ? `${packageOf(url)} ${url.split('/').pop()}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + amount);
    const pkg = url ? packageOf(url) : functionName || '(native)';
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + amount);
  }
  const pct = (amount: number) => `${((100 * amount) / total).toFixed(1).padStart(5)}%`;
  const rows = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, amount]) => `${pct(amount)}  ${key}`)
      .join('\n');
  return {
    total,
    text: `by package:\n${rows(byPackage)}\n\nby function (self):\n${rows(byFunction)}`,
  };
}

/** Self time of a CPU profile, by function and by package (idle and GC are their own rows). */
export function summarize(profile: Profile, top = 25): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const { total, text } = tally(
    [...self].map(([id, micros]) => [byId.get(id)!.callFrame, micros]),
    top,
  );
  return `total ${(total / 1e6).toFixed(1)} s sampled\n\n${text}`;
}

interface HeapNode {
  callFrame: ProfileNode['callFrame'];
  selfSize: number;
  children: HeapNode[];
}

/** Bytes allocated over the sampled span, by allocating function and by package. */
export function summarizeHeap(profile: { head: HeapNode }, top = 25): string {
  const allocations: Array<[ProfileNode['callFrame'], number]> = [];
  const stack = [profile.head];
  for (let node = stack.pop(); node; node = stack.pop()) {
    stack.push(...node.children);
    if (node.selfSize > 0) allocations.push([node.callFrame, node.selfSize]);
  }
  const { total, text } = tally(allocations, top);
  return `total ${(total / 2 ** 20).toFixed(1)} MiB allocated (sampled)\n\n${text}`;
}

if (process.argv[2]) {
  const file = process.argv[2];
  const top = Number(process.argv[3] ?? 25);
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  console.log(
    file.endsWith('.heapprofile') ? summarizeHeap(profile, top) : summarize(profile, top),
  );
}
