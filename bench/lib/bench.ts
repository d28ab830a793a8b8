// What every benchmark module in bench/ exports, and how `--only` picks cases.

export interface BenchOptions {
  /** Measurements per case (the median is reported). */
  runs: number;
  /** True when the case `<benchmark>/<case>` was asked for by `--only` (always true without it). */
  selected(caseId: string): boolean;
  /** Folder for machine-readable results (`bench/results`, its *.json are gitignored). */
  resultsDir: string;
}

export interface Benchmark {
  /** The name `--only` matches, e.g. `import`. */
  name: string;
  description: string;
  /** The case ids it can run (without the benchmark prefix), for `--list` and `--only`. */
  cases: readonly string[];
  run(options: BenchOptions): Promise<void>;
}

/**
 * `--only` patterns: a benchmark name (`import`), or a path of its cases (`import/communes`,
 * `import/communes/ogr2ogr`). A pattern selects an id equal to it or below it.
 *
 * @example
 * matches(['import/communes'], 'import/communes/postgis'); // true
 * matches(['import/communes'], 'import/osm-points/postgis'); // false
 */
export function matches(patterns: readonly string[], id: string): boolean {
  if (patterns.length === 0) return true;
  return patterns.some((p) => id === p || id.startsWith(`${p}/`));
}
