// What an import says when it ends: counts, and the reason for every rejected row.

/** The whole input is unusable (not UTF-8, not JSON, truncated, wrong CRS…): nothing is written. */
export class ImportFileError extends Error {
  override name = 'ImportFileError';
}

export interface Rejection {
  /** Where in the input: a feature index, a CSV line, or a source id. */
  ref: string;
  reason: string;
}

export interface ImportSummary {
  importer: string;
  input: string;
  source: string;
  /** `committed`, or `rolled_back` when anything was rejected in strict mode or the file failed. */
  outcome: 'committed' | 'rolled_back';
  read: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** Rows outside the requested scope (for example another département): not an error. */
  skipped: number;
  rejected: Rejection[];
  /** Extra facts worth a line, e.g. repaired geometries or communes without a polygon. */
  notes: string[];
  fileError?: string;
  durationMs: number;
}

export function formatSummary(s: ImportSummary): string {
  const lines = [
    `${s.importer} ← ${s.input}`,
    `  ${s.outcome === 'committed' ? 'committed' : 'ROLLED BACK (database unchanged)'} in ${(s.durationMs / 1000).toFixed(1)} s`,
    `  read ${s.read}, inserted ${s.inserted}, updated ${s.updated}, unchanged ${s.unchanged}, out of scope ${s.skipped}, rejected ${s.rejected.length}`,
  ];
  if (s.fileError) lines.push(`  file rejected: ${s.fileError}`);
  for (const note of s.notes) lines.push(`  note: ${note}`);
  const shown = s.rejected.slice(0, 50);
  for (const r of shown) lines.push(`  rejected ${r.ref}: ${r.reason}`);
  if (s.rejected.length > shown.length) lines.push(`  … and ${s.rejected.length - shown.length} more rejected rows`);
  return lines.join('\n');
}

export type ProgressFn = (done: number, total: number | undefined, unit: string) => void;

/** A progress line on stderr at most every 500 ms, only on a terminal-like long run. */
export function consoleProgress(label: string): ProgressFn {
  let last = 0;
  return (done, total, unit) => {
    const now = Date.now();
    if (now - last < 500) return;
    last = now;
    const pct = total ? ` (${Math.min(100, Math.round((done / total) * 100))} %)` : '';
    process.stderr.write(`  ${label}: ${done.toLocaleString('fr-FR')} ${unit}${pct}\n`);
  };
}
