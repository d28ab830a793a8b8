// Time to the first rendered map of the explorer (the home page), in headless Chromium, cold:
// a brand-new browser context for every visit (empty HTTP cache, no cookies, no code cache).
//
//   1. desktop   1440×900
//   2. mobile    375×667, touch, deviceScaleFactor 2 (the phone of tests/browser/support.ts)
//
// Measured from navigationStart (performance.timeOrigin) to the explorer's own ready signal,
// the `maillage:map-ready` performance mark (Explorer.svelte sets it, with `data-ready` on <main>
// and `window.__maillage.ready`, once the tiles of every visible layer are loaded, the map has
// drawn them in one frame — it draws nothing before, see MapLibre.svelte's `hold` — and the next
// animation frame has come, by when the compositor has the pixels); also first contentful paint and `maillage:map-load` (the style has loaded: what
// comes before is JavaScript, after is tiles and drawing). Goal: ready ≤ 2 s, median.
//
// Bytes of the first page, over the requests that finished before the ready mark (Playwright's
// request events, the map's web-worker tile requests included): JavaScript and CSS both as
// their bodies gzipped here with zlib level 6 (comparable across servers) and as Chromium
// actually received them (its own Accept-Encoding, so Brotli where the server has a .br file),
// the HTML document, the tiles, and everything transferred (bodies as sent plus headers).
//
// Starts the portal as `npm start` does (`node --max-semi-space-size=16 api/src/main.ts`, the
// embedded PGlite database in a temporary folder, the demo territory loaded on that first start:
// a minute or two, not measured), which serves web/build: build it first
// (`pnpm --filter @maillage/web build`), and do not rebuild it while this runs. Then one
// unmeasured visit per viewport (the server's JIT, its tile cache and PGlite's buffers warm up;
// its time is kept in the results), then --runs visits per viewport (default 5 here), round-robin
// over the viewports.
//
//   node bench/run.ts --only first-map [--runs N]
//   MAILLAGE_BENCH_URL=http://127.0.0.1:3000 node bench/run.ts --only first-map   (a running portal)
//   MAILLAGE_BENCH_PGLITE_DIR=/tmp/x …   keep the PGlite folder (the demo loads only the first time)
//   MAILLAGE_CHROMIUM=…                  another Chromium than /usr/bin/chromium
//
// Writes bench/results/first-map-<date>.json (every visit, every request it counted).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, BrowserContextOptions, Request } from '../tests/node_modules/playwright-core/index.js';
import type { Benchmark, BenchOptions } from './lib/bench.ts';
import { gitState, machine, packageVersion, repoRoot } from './lib/machine.ts';
import { machineBusy } from './lib/measure.ts';
import { fmt, markdownTable, median, medianOf } from './lib/stats.ts';

const CASES = ['desktop', 'mobile'] as const;
type CaseId = (typeof CASES)[number];

export const benchmark: Benchmark = {
  name: 'first-map',
  description: 'explorer home page, cold browser: navigationStart → map ready with every visible layer drawn (goal ≤ 2 s), and the bytes it loads',
  cases: CASES,
  run,
};

const GOAL_S = 2;
/** Runs per viewport when --runs is not given (bench/run.ts's own default is 3). */
const DEFAULT_RUNS = 5;
const VISIT_TIMEOUT_MS = 90_000;
const chromiumPath = process.env.MAILLAGE_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

const PROFILES: Record<CaseId, { label: string; options: BrowserContextOptions }> = {
  desktop: { label: '1440×900', options: { viewport: { width: 1440, height: 900 } } },
  mobile: {
    label: '375×667 ×2 touch',
    options: { viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
  },
};

// playwright-core is a devDependency of @maillage/tests (bench/ is no workspace package).
type PlaywrightCore = typeof import('../tests/node_modules/playwright-core/index.js');
function playwright(): PlaywrightCore {
  const require = createRequire(new URL('../tests/package.json', import.meta.url));
  try {
    return require('playwright-core') as PlaywrightCore;
  } catch (error) {
    throw new Error('playwright-core is missing: pnpm install (it is a devDependency of @maillage/tests)', { cause: error });
  }
}

type Kind = 'js' | 'css' | 'html' | 'tile' | 'other';

interface Resource {
  url: string;
  kind: Kind;
  resourceType: string;
  status: number | null;
  contentEncoding: string | null;
  /** Body as received (compressed when it was), bytes. */
  wireBody: number;
  wireHeaders: number;
  /** Decoded body, bytes (JS, CSS and HTML only). */
  raw: number | null;
  /** Decoded body gzipped here, zlib level 6 (JS, CSS and HTML only). */
  gzip6: number | null;
  /** How wireBody was known: Chromium's count, a re-request of the URL from here with the same
   * Accept-Encoding (Chromium reports no size for the map's worker script), or a cache hit. */
  wireFrom: 'chromium' | 're-request' | 'cache';
  /** Start and end, ms since navigationStart. */
  start: number;
  end: number;
}

interface Totals { count: number; raw: number; gzip6: number; wire: number }

interface Visit {
  case: CaseId;
  /** 0 for the unmeasured warm-up visit, then 1…runs. */
  run: number;
  /** How busy the machine was (0..1 of all cores) during the 0.3 s before the visit. */
  busyBefore: number | null;
  /** ms since navigationStart. */
  readyMs: number;
  fcpMs: number | null;
  mapLoadMs: number | null;
  /** The last tile counted arrived (ms since navigationStart): from there to ready is decoding and drawing. */
  tilesDoneMs: number | null;
  ttfbMs: number | null;
  domContentLoadedMs: number | null;
  loadEventMs: number | null;
  totals: Record<Kind, Totals>;
  /** Every request that finished before ready: bodies as sent plus headers. */
  wireBytes: number;
  /** Requests that finished after the ready mark (not counted above). */
  afterReady: number;
  /** CPU seconds from navigation to ready (read ≤ 50 ms after it): every Chromium process, and the portal. */
  chromiumCpuS: number | null;
  chromiumCpuByType: Record<string, number>;
  portalCpuS: number | null;
  errors: string[];
  resources: Resource[];
}

function kindOf(request: Request, contentType: string): Kind {
  const type = request.resourceType();
  if (type === 'document') return 'html';
  if (type === 'script' || /javascript|ecmascript/.test(contentType)) return 'js';
  if (type === 'stylesheet' || contentType.includes('text/css')) return 'css';
  if (new URL(request.url()).pathname.startsWith('/api/tiles/')) return 'tile';
  return 'other';
}

/** utime + stime (clock ticks) and parent of every process, from /proc (Linux only; empty elsewhere). */
function processTable(): Map<number, { ppid: number; ticks: number; type: string }> {
  const table = new Map<number, { ppid: number; ticks: number; type: string }>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return table;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // After the command name (in parentheses, may hold spaces): state ppid … utime(14) stime(15).
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Chromium's process type (--type=renderer, gpu-process, utility…; none for the browser process).
      let type = '';
      try {
        type = /--type=([\w-]+)/.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))?.[1] ?? 'browser';
      } catch {
        // gone meanwhile
      }
      table.set(Number(pid), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), type });
    } catch {
      // gone meanwhile
    }
  }
  return table;
}

const CLOCK_TICKS = 100;

/**
 * CPU seconds so far of the processes below this one (Chromium: browser, renderers, GPU process,
 * every thread) without the portal's subtree, and of the portal alone: read before and after a
 * visit, the difference is what the visit cost (a process that ends in between is not counted).
 */
function cpuNow(portalPid: number | undefined): { chromium: Map<number, { ticks: number; type: string }>; portal: number | null } {
  const table = processTable();
  const children = new Map<number, number[]>();
  for (const [pid, p] of table) children.set(p.ppid, [...(children.get(p.ppid) ?? []), pid]);
  const chromium = new Map<number, { ticks: number; type: string }>();
  const walk = (pid: number) => {
    for (const c of children.get(pid) ?? []) {
      if (c === portalPid) continue;
      chromium.set(c, table.get(c)!);
      walk(c);
    }
  };
  walk(process.pid);
  const portal = portalPid === undefined ? null : (table.get(portalPid)?.ticks ?? null);
  return { chromium, portal };
}

interface CpuSpent {
  chromiumS: number | null;
  /** Chromium's CPU seconds by process type (renderer, gpu-process, browser, utility, zygote…). */
  byType: Record<string, number>;
  portalS: number | null;
}

function cpuSpent(before: ReturnType<typeof cpuNow>, after: ReturnType<typeof cpuNow>): CpuSpent {
  const portalS = before.portal === null || after.portal === null ? null : (after.portal - before.portal) / CLOCK_TICKS;
  if (after.chromium.size === 0) return { chromiumS: null, byType: {}, portalS };
  let ticks = 0;
  const byType: Record<string, number> = {};
  for (const [pid, p] of after.chromium) {
    const spent = p.ticks - (before.chromium.get(pid)?.ticks ?? 0);
    ticks += spent;
    byType[p.type] = (byType[p.type] ?? 0) + spent / CLOCK_TICKS;
  }
  return { chromiumS: ticks / CLOCK_TICKS, byType, portalS };
}

/** The body of `url` as the server sends it for that Accept-Encoding (not decoded), bytes. */
async function bodyFromHere(url: string, acceptEncoding: string): Promise<Buffer> {
  const get = url.startsWith('https:') ? httpsGet : httpGet;
  return new Promise((resolve, reject) => {
    const request = get(url, { headers: { 'accept-encoding': acceptEncoding } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve(Buffer.concat(chunks)));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

/** A free TCP port on 127.0.0.1 (free when asked; the portal binds it a moment later). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

interface Portal { url: string; pid: number | undefined; startS: number; stop(): Promise<void> }

/** `npm start` without the build: the portal on PGlite, the demo loaded on its first start. */
async function startPortal(): Promise<Portal> {
  const handler = join(repoRoot, 'web', 'build', 'handler.js');
  if (!existsSync(handler)) throw new Error(`${relative(repoRoot, handler)} is missing: pnpm --filter @maillage/web build`);
  const keep = process.env.MAILLAGE_BENCH_PGLITE_DIR;
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'maillage-bench-first-map-'));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', MAILLAGE_PGLITE_DIR: dir };
  delete env.DATABASE_URL; // the embedded database, whatever the shell says
  delete env.MAILLAGE_DEMO;
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, ['--max-semi-space-size=16', 'api/src/main.ts'], {
    cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    if (!keep) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the portal did not start within 10 min')), 600_000);
      const onData = (chunk: Buffer) => {
        output = (output + chunk.toString('utf8')).slice(-20_000);
        const m = /^Maillage: (https?:\/\/\S+)/m.exec(output);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the portal stopped (${signal ?? `exit ${code}`}):\n${output.split('\n').slice(-30).join('\n')}`));
      });
    });
    // Keep draining its output so that it never blocks on a full pipe.
    child.stdout!.removeAllListeners('data').resume();
    child.stderr!.removeAllListeners('data').resume();
    return { url, pid: child.pid, startS: (performance.now() - started) / 1000, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

interface PageTimings {
  timeOrigin: number;
  ready: number | null;
  mapLoad: number | null;
  fcp: number | null;
  ttfb: number | null;
  domContentLoaded: number | null;
  loadEvent: number | null;
  alert: string | null;
  dataReady: string | null;
  handleReady: boolean;
}

// The predicates run in the page as functions, not strings: the pages' Content-Security-Policy
// refuses eval, which Playwright uses for string predicates.
/** What the page predicates read off the page's global object (they run in the browser). */
interface PageScope {
  performance: {
    timeOrigin: number;
    getEntriesByName(name: string): { startTime: number }[];
    getEntriesByType(type: 'navigation'): { responseStart: number; domContentLoadedEventEnd: number; loadEventEnd: number }[];
  };
  __maillage?: { ready?: boolean };
  document: { querySelector(selector: string): { textContent: string | null; getAttribute(name: string): string | null } | null };
}

function readyOrAlert(): boolean {
  const g = globalThis as unknown as PageScope;
  return g.performance.getEntriesByName('maillage:map-ready').length > 0 || g.document.querySelector('[role=alert]') !== null;
}

function readTimings(): PageTimings {
  const g = globalThis as unknown as PageScope;
  const mark = (name: string) => g.performance.getEntriesByName(name)[0]?.startTime ?? null;
  const nav = g.performance.getEntriesByType('navigation')[0];
  return {
    timeOrigin: g.performance.timeOrigin,
    ready: mark('maillage:map-ready'),
    mapLoad: mark('maillage:map-load'),
    fcp: mark('first-contentful-paint'),
    ttfb: nav ? nav.responseStart : null,
    domContentLoaded: nav && nav.domContentLoadedEventEnd > 0 ? nav.domContentLoadedEventEnd : null,
    loadEvent: nav && nav.loadEventEnd > 0 ? nav.loadEventEnd : null,
    alert: g.document.querySelector('[role=alert]')?.textContent?.trim() ?? null,
    dataReady: g.document.querySelector('main[data-ready]')?.getAttribute('data-ready') ?? null,
    handleReady: g.__maillage?.ready === true,
  };
}

function emptyTotals(): Record<Kind, Totals> {
  const t = (): Totals => ({ count: 0, raw: 0, gzip6: 0, wire: 0 });
  return { js: t(), css: t(), html: t(), tile: t(), other: t() };
}

/** One cold visit: a new context, the home page, until the ready mark; then what it loaded. */
async function visit(browser: Browser, baseUrl: string, id: CaseId, run: number, portalPid: number | undefined): Promise<Visit> {
  const busyBefore = await machineBusy(300);
  const context = await browser.newContext({ ...PROFILES[id].options, locale: 'fr-FR' });
  try {
    const page = await context.newPage();
    const finished: Request[] = [];
    const errors: string[] = [];
    page.on('requestfinished', (r) => finished.push(r));
    page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} (${r.failure()?.errorText ?? '?'})`));
    page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    const cpuBefore = cpuNow(portalPid);
    await page.goto(new URL('/', baseUrl).href, { waitUntil: 'commit', timeout: VISIT_TIMEOUT_MS });
    await page.waitForFunction(readyOrAlert, null, { timeout: VISIT_TIMEOUT_MS, polling: 50 });
    const cpu = cpuSpent(cpuBefore, cpuNow(portalPid));
    // Let the events of requests that ended just before the mark reach us.
    await page.waitForTimeout(300);
    const t = await page.evaluate(readTimings);
    if (t.ready === null) throw new Error(`${id}: the map shows an error: ${t.alert ?? '?'}`);
    if (t.dataReady !== 'true' || !t.handleReady) errors.push(`ready mark set but data-ready=${t.dataReady}, __maillage.ready=${t.handleReady}`);

    const readyEpoch = t.timeOrigin + t.ready;
    const totals = emptyTotals();
    const resources: Resource[] = [];
    let wireBytes = 0;
    let afterReady = 0;
    for (const request of [...finished]) {
      const timing = request.timing();
      const endEpoch = timing.startTime + timing.responseEnd;
      if (timing.responseEnd < 0 || endEpoch > readyEpoch + 1) {
        afterReady++;
        continue;
      }
      const response = await request.response();
      const headers = response ? await response.allHeaders() : {};
      const kind = kindOf(request, headers['content-type'] ?? '');
      const sizes = await request.sizes();
      let wireBody = sizes.responseBodySize;
      let wireHeaders = sizes.responseHeadersSize;
      let wireFrom: Resource['wireFrom'] = 'chromium';
      if (wireBody < 0) {
        wireBody = 0;
        wireHeaders = 0;
        wireFrom = 'cache';
      }
      let raw: number | null = null;
      let gzip6: number | null = null;
      if (response && (kind === 'js' || kind === 'css' || kind === 'html')) {
        // Chromium keeps no body for what the page preloaded or prefetched: the same file, from here.
        const body = await response.body().catch(() => bodyFromHere(request.url(), 'identity'));
        raw = body.byteLength;
        gzip6 = gzipSync(body, { level: 6 }).byteLength;
        if (wireBody === 0 && raw > 0 && wireFrom === 'chromium') {
          const accept = (await request.allHeaders())['accept-encoding'] ?? 'gzip, deflate, br, zstd';
          wireBody = (await bodyFromHere(request.url(), accept)).byteLength;
          wireFrom = 're-request';
        }
      }
      const r: Resource = {
        url: request.url().replace(baseUrl.replace(/\/$/, ''), ''),
        kind,
        resourceType: request.resourceType(),
        status: response?.status() ?? null,
        contentEncoding: headers['content-encoding'] ?? null,
        wireBody,
        wireHeaders,
        raw,
        gzip6,
        wireFrom,
        start: Math.round(timing.startTime - t.timeOrigin),
        end: Math.round(endEpoch - t.timeOrigin),
      };
      // A file asked for twice (a prefetched worker, then the worker) is one file of the page.
      const again = resources.some((other) => other.url === r.url);
      resources.push(r);
      const k = totals[kind];
      if (!again) {
        k.count++;
        k.raw += raw ?? 0;
        k.gzip6 += gzip6 ?? 0;
      }
      k.wire += r.wireBody + r.wireHeaders;
      wireBytes += r.wireBody + r.wireHeaders;
    }
    resources.sort((a, b) => a.start - b.start);
    return {
      case: id, run, busyBefore,
      readyMs: t.ready, fcpMs: t.fcp, mapLoadMs: t.mapLoad,
      tilesDoneMs: resources.some((r) => r.kind === 'tile') ? Math.max(...resources.filter((r) => r.kind === 'tile').map((r) => r.end)) : null, ttfbMs: t.ttfb, domContentLoadedMs: t.domContentLoaded, loadEventMs: t.loadEvent,
      totals, wireBytes, afterReady, chromiumCpuS: cpu.chromiumS, chromiumCpuByType: cpu.byType, portalCpuS: cpu.portalS, errors, resources,
    };
  } finally {
    await context.close();
  }
}

/** --runs when given on the command line, else 5 (bench/run.ts passes 3 when it is not). */
function runsFrom(options: BenchOptions): number {
  return process.argv.some((a) => a === '--runs' || a.startsWith('--runs=')) ? options.runs : DEFAULT_RUNS;
}

const kB = (bytes: number) => fmt(bytes / 1000, 1);
const s = (ms: number | null) => fmt(ms === null ? null : ms / 1000, 2);

async function run(options: BenchOptions): Promise<void> {
  const cases = CASES.filter((c) => options.selected(`first-map/${c}`));
  if (!cases.length) return;
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing (Debian: apt-get install -y chromium), or set MAILLAGE_CHROMIUM`);
  const runs = runsFrom(options);
  const { chromium } = playwright();

  const given = process.env.MAILLAGE_BENCH_URL;
  let portal: Portal | undefined;
  let browser: Browser | undefined;
  const visits: Visit[] = [];
  let chromiumVersion: string | undefined;
  try {
    if (given) {
      console.log(`  portal: ${given} (MAILLAGE_BENCH_URL)`);
    } else {
      console.log('  starting the portal on PGlite (the first start loads the demo territory; not measured)…');
      portal = await startPortal();
      console.log(`  portal ready at ${portal.url} in ${fmt(portal.startS)} s`);
    }
    const baseUrl = given ?? portal!.url;
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS });
    chromiumVersion = browser.version();
    const show = (v: Visit) => console.log(`  ${v.case} ${v.run === 0 ? 'warm-up' : `run ${v.run}/${runs}`}: ready ${s(v.readyMs)} s, `
      + `FCP ${s(v.fcpMs)} s, map load ${s(v.mapLoadMs)} s, ${v.totals.tile.count} tiles, ${kB(v.wireBytes)} kB transferred, `
      + `CPU Chromium ${fmt(v.chromiumCpuS, 2)} s (${Object.entries(v.chromiumCpuByType).filter(([, c]) => c >= 0.05)
        .map(([t, c]) => `${t} ${fmt(c, 2)}`).join(', ')}) + portal ${fmt(v.portalCpuS, 2)} s`
      + `${v.busyBefore !== null && v.busyBefore > 0.5 ? ` (machine ${Math.round(v.busyBefore * 100)} % busy before)` : ''}`
      + `${v.errors.length ? `; ${v.errors.length} error(s): ${v.errors[0]}` : ''}`);
    for (const id of cases) {
      const v = await visit(browser, baseUrl, id, 0, portal?.pid);
      visits.push(v);
      show(v);
    }
    // Round-robin: a busy spell of the (shared) machine falls on both viewports alike.
    for (let i = 1; i <= runs; i++) {
      for (const id of cases) {
        const v = await visit(browser, baseUrl, id, i, portal?.pid);
        visits.push(v);
        show(v);
      }
    }
  } finally {
    await browser?.close();
    await portal?.stop();
  }

  const measured = (id: CaseId) => visits.filter((v) => v.case === id && v.run > 0);
  const range = (values: number[]) => `${s(Math.min(...values))}–${s(Math.max(...values))}`;
  const timeTable = markdownTable(
    ['viewport', 'runs', 'map ready median s', 'min–max s', 'FCP median s', 'MapLibre load median s', 'last tile in, median s', 'CPU to ready s: Chromium + portal',
      'machine busy before', 'warm-up visit s', 'goal', 'verdict'],
    cases.map((id) => {
      const vs = measured(id);
      const ready = vs.map((v) => v.readyMs);
      const m = median(ready);
      const warm = visits.find((v) => v.case === id && v.run === 0);
      return [`${id} ${PROFILES[id].label}`, String(vs.length), s(m), range(ready), s(medianOf(vs.map((v) => v.fcpMs))),
        s(medianOf(vs.map((v) => v.mapLoadMs))), s(medianOf(vs.map((v) => v.tilesDoneMs))),
        `${fmt(medianOf(vs.map((v) => v.chromiumCpuS)), 2)} + ${fmt(medianOf(vs.map((v) => v.portalCpuS)), 2)}`,
        `${fmt((medianOf(vs.map((v) => v.busyBefore)) ?? Number.NaN) * 100, 0)} %`,
        s(warm?.readyMs ?? null), `≤ ${GOAL_S} s`, m <= GOAL_S * 1000 ? 'met' : 'NOT met'];
    }),
    [false, true, true, true, true, true, true, true, true, true, false, false],
  );
  const med = (vs: Visit[], f: (v: Visit) => number) => median(vs.map(f));
  const bytesTable = markdownTable(
    ['viewport', 'JS files', 'JS gzip-6 kB', 'JS on the wire kB', 'JS raw kB', 'CSS gzip-6 kB', 'CSS on the wire kB', 'HTML gzip-6 kB', 'tiles', 'tiles kB', 'other requests', 'requests', 'total transferred kB'],
    cases.map((id) => {
      const vs = measured(id);
      return [`${id} ${PROFILES[id].label}`, fmt(med(vs, (v) => v.totals.js.count), 0), kB(med(vs, (v) => v.totals.js.gzip6)),
        kB(med(vs, (v) => v.totals.js.wire)), kB(med(vs, (v) => v.totals.js.raw)), kB(med(vs, (v) => v.totals.css.gzip6)),
        kB(med(vs, (v) => v.totals.css.wire)), kB(med(vs, (v) => v.totals.html.gzip6)), fmt(med(vs, (v) => v.totals.tile.count), 0),
        kB(med(vs, (v) => v.totals.tile.wire)), fmt(med(vs, (v) => v.totals.other.count), 0),
        fmt(med(vs, (v) => v.resources.length), 0), kB(med(vs, (v) => v.wireBytes))];
    }),
    [false, true, true, true, true, true, true, true, true, true, true, true, true],
  );
  const encodings = [...new Set(visits.flatMap((v) => v.resources.filter((r) => r.kind === 'js' || r.kind === 'css').map((r) => r.contentEncoding ?? 'identity')))];
  console.log(`\n${timeTable}\n`);
  console.log(`${bytesTable}\n`);
  console.log(`  Times: from navigationStart, medians of ${runs} cold visits per viewport (new browser context each), after one warm-up visit.`);
  console.log('  CPU: seconds of CPU (all threads) spent by every Chromium process and by the portal between navigation and ready;');
  console.log('  machine busy: share of both cores in use during the 0.3 s before each visit (other users of the machine included).');
  console.log('  Bytes: requests finished before the ready mark, medians. gzip-6 = decoded bodies gzipped here (zlib level 6);');
  console.log(`  on the wire = body as Chromium received it (content-encoding: ${encodings.join(', ')}) plus headers. kB = 1000 bytes.`);
  const errors = visits.flatMap((v) => v.errors.map((e) => `${v.case} run ${v.run}: ${e}`));
  if (errors.length) console.log(`  ${errors.length} error(s) in the pages:\n${errors.slice(0, 10).map((e) => `    ${e}\n`).join('')}`);

  mkdirSync(options.resultsDir, { recursive: true });
  const file = join(options.resultsDir, `first-map-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}.json`);
  writeFileSync(file, JSON.stringify({
    machine: machine(),
    git: gitState(['web', 'api', 'sql', 'bench']),
    versions: { chromium: chromiumVersion ?? null, playwright: packageVersion('tests/node_modules/playwright-core') },
    portal: given ? { url: given } : { pglite: true, startS: portal?.startS ?? null, pgliteDir: process.env.MAILLAGE_BENCH_PGLITE_DIR ?? 'temporary' },
    runs,
    goalS: GOAL_S,
    chromiumArgs: CHROMIUM_ARGS,
    profiles: PROFILES,
    visits,
  }, null, 1));
  console.log(`  results: ${relative(repoRoot, file)}`);
}
