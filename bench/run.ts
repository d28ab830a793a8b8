// `npm run bench [-- --only import[/case…]] [--runs N] [--list]`: runs the benchmarks of bench/
// (every bench/*.ts but this file exports `benchmark`). Benchmarks print tables; they are not
// tests and assert nothing about speed.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type Benchmark, matches } from './lib/bench.ts';

const benchDir = dirname(fileURLToPath(import.meta.url));

const USAGE = `Usage: npm run bench -- [--only NAME[/CASE…],…] [--runs N] [--list]

  --only import             run one benchmark (or a comma-separated list, or repeat --only)
  --only import/communes    run only some of its cases (see --list)
  --runs N                  measurements per case; the median is reported (default 3)
  --list                    list the benchmarks and their cases
`;

const { values } = parseArgs({
  options: {
    only: { type: 'string', multiple: true },
    runs: { type: 'string' },
    list: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const runs = Number(values.runs ?? 3);
if (!Number.isInteger(runs) || runs < 1) {
  process.stderr.write(`--runs must be a whole number ≥ 1\n\n${USAGE}`);
  process.exit(2);
}
const patterns = (values.only ?? []).flatMap((o) => o.split(',')).map((p) => p.trim().replace(/\/+$/, '')).filter(Boolean);

const benchmarks: Benchmark[] = [];
for (const file of readdirSync(benchDir).filter((f) => f.endsWith('.ts') && f !== 'run.ts').sort()) {
  const mod = (await import(pathToFileURL(join(benchDir, file)).href)) as { benchmark?: Benchmark };
  if (mod.benchmark) benchmarks.push(mod.benchmark);
}
const ids = (b: Benchmark) => b.cases.map((c) => `${b.name}/${c}`);

if (values.list) {
  for (const b of benchmarks) process.stdout.write(`${b.name}: ${b.description}\n${ids(b).map((id) => `  ${id}\n`).join('')}`);
  process.exit(0);
}
const unknown = patterns.filter((p) => !benchmarks.some((b) => ids(b).some((id) => matches([p], id))));
if (unknown.length) {
  process.stderr.write(`no benchmark case matches ${unknown.join(', ')}; there are:\n${benchmarks.flatMap(ids).map((id) => `  ${id}\n`).join('')}`);
  process.exit(2);
}

for (const b of benchmarks) {
  if (!ids(b).some((id) => matches(patterns, id))) continue;
  console.log(`\n== ${b.name}: ${b.description}`);
  await b.run({ runs, selected: (id) => matches(patterns, id), resultsDir: join(benchDir, 'results') });
}
