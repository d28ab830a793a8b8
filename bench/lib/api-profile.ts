// Where the API server's CPU goes, for the findings of bench/api.ts: a CPU profile (node
// --cpu-prof) of one server child while it answers items or cached tiles, summed by function.
// Not part of `npm run bench`; run it against a database loaded as bench/api.ts loads it:
//
//   node bench/lib/api-profile.ts --url postgres://…/db --what items           # 12 × items?limit=5000
//   node bench/lib/api-profile.ts --url postgres://…/db --what tiles           # cached tiles, autocannon 8 s
//   node bench/lib/api-profile.ts --url postgres://…/db --what tiles-uncached  # 10 × the tile set, tile cache off
//
// Prints self and inclusive shares of the busy samples from the first request on (boot excluded).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runLoad, startServer, timedGet } from './api-procs.ts';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[] }

const { values } = parseArgs({ options: { url: { type: 'string' }, what: { type: 'string' } } });
const what = values.what === 'tiles' || values.what === 'tiles-uncached' ? values.what : 'items';
if (!values.url) throw new Error('usage: api-profile.ts --url postgres://…/db --what items|tiles|tiles-uncached');

const TILES = ['communes/5/15/11', 'communes/5/16/11', 'communes/7/63/44', 'communes/7/64/44', 'communes/9/253/179', 'communes/9/254/177',
  'communes/11/1015/718', 'communes/11/1019/711', 'places/8/126/89', 'places/8/127/88', 'places/12/2030/1437', 'places/12/2039/1422',
  'places/14/8121/5748', 'places/14/8156/5690'].map((t) => `/api/tiles/${t}.mvt`);

const dir = mkdtempSync(join(tmpdir(), 'maillage-bench-profile-'));
try {
  const app = await startServer({
    mode: 'app', url: values.url, ...(what === 'tiles-uncached' ? { cacheBytes: 0 } : {}),
    nodeOptions: ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=200'],
  });
  try {
    if (what === 'items') {
      for (let i = 0; i < 12; i++) await timedGet(`${app.base}/api/ogc/collections/communes/items?limit=5000`, { 'accept-encoding': 'identity' });
    } else if (what === 'tiles-uncached') {
      for (let i = 0; i < 10; i++) for (const t of TILES) await timedGet(app.base + t, { 'accept-encoding': 'gzip' });
    } else {
      for (const t of TILES) await timedGet(app.base + t, { 'accept-encoding': 'gzip' });
      await runLoad({ base: app.base, paths: TILES, connections: 50, seconds: 8, gzip: true });
    }
  } finally {
    await app.stop();
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no CPU profile written in ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stack = function* (id: number): Generator<ProfileNode> {
    for (let c: number | undefined = id; c !== undefined; c = parent.get(c)) yield byId.get(c)!;
  };
  const name = (n: ProfileNode) =>
    `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/node_modules/').pop()!.split('/').slice(-3).join('/')}:${n.callFrame.lineNumber + 1}`;
  const marker = what === 'items' ? 'routes/ogc' : 'routes/tiles';
  const first = profile.samples.findIndex((id) => [...stack(id)].some((n) => n.callFrame.url.includes(marker)));
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (const id of profile.samples.slice(Math.max(0, first))) {
    const node = byId.get(id)!;
    if (name(node).startsWith('(idle)')) {
      idle++;
      continue;
    }
    busy++;
    self.set(name(node), (self.get(name(node)) ?? 0) + 1);
    for (const key of new Set([...stack(id)].map(name))) inclusive.set(key, (inclusive.get(key) ?? 0) + 1);
  }
  const top = (m: Map<string, number>, n: number) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n)
    .map(([k, v]) => `${((v / busy) * 100).toFixed(1).padStart(5)} %  ${k}`).join('\n');
  console.log(`${what}: ${busy} busy samples, ${Math.round((idle / (busy + idle)) * 100)} % idle\n-- self\n${top(self, 15)}\n-- inclusive\n${top(inclusive, 25)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
