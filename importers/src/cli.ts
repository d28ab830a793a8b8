// `pnpm import <importer> <path|url> [options]`: one CLI for every source (src/cli-run.ts).
// This entry only turns on Node's compile cache before loading the rest: an import process is
// short, and compiling its modules (Kysely's few hundred, ours after type stripping) costs about
// 0.6 s of CPU per run, 0.35 s with the cache (bench/README.md). The cache is on disk
// (NODE_COMPILE_CACHE, else the system's temporary folder) and keyed by the modules' contents.
import { enableCompileCache } from 'node:module';

enableCompileCache();
await import('./cli-run.ts');
