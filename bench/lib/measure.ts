// Measuring one command in a child process: wall time (measured here, monotonic clock), and
// the child's peak resident memory and CPU time from GNU time (`/usr/bin/time`, Debian package
// `time`). Without GNU time, a Node child still reports its own peak RSS; other commands get none.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const GNU_TIME = '/usr/bin/time';

export function hasGnuTime(): boolean {
  return existsSync(GNU_TIME);
}

export interface Sample {
  /** Wall time of the whole child process, seconds. */
  wallS: number;
  /** Peak resident set size of the child, MiB (null when it could not be measured). */
  rssMiB: number | null;
  /** User + system CPU time of the child, seconds (null without GNU time). */
  cpuS: number | null;
  /** CPU seconds of the PostGIS server during the run (backends included), when measured. */
  serverCpuS?: number | null;
  /** How busy the machine was just before the run (0..1 of all cores), from /proc/stat. */
  busyBefore: number | null;
  /** What a Node child wrote to its report file (phases, counts), if any. */
  report?: unknown;
}

export interface Command {
  cmd: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** The child writes a JSON report there (passed to it by the caller in `args`). */
  reportFile?: string;
  /** Reads the child's own peak RSS (KiB) from its report when GNU time is missing. */
  selfRssKiB?: (report: unknown) => number | undefined;
  timeoutMs?: number;
}

function cpuTimes(): { idle: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith('cpu '));
    if (!line) return null;
    const n = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (n[3] ?? 0) + (n[4] ?? 0);
    return { idle, total: n.reduce((a, b) => a + b, 0) };
  } catch {
    return null;
  }
}

/** Fraction of all cores busy over `ms` milliseconds (other users of the machine included). */
export async function machineBusy(ms = 500): Promise<number | null> {
  const a = cpuTimes();
  await new Promise((r) => setTimeout(r, ms));
  const b = cpuTimes();
  if (!a || !b || b.total === a.total) return null;
  return 1 - (b.idle - a.idle) / (b.total - a.total);
}

/** Runs the command to its end and measures it; throws with the output tail when it fails. */
export async function measure(command: Command): Promise<Sample> {
  const busyBefore = await machineBusy();
  const dir = mkdtempSync(join(tmpdir(), 'maillage-bench-'));
  const timeFile = join(dir, 'time.txt');
  const gnu = hasGnuTime();
  const [cmd, args] = gnu
    ? [GNU_TIME, ['-f', '%e %M %U %S', '-o', timeFile, command.cmd, ...command.args]]
    : [command.cmd, command.args];
  try {
    const started = performance.now();
    const { code, signal, output } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve, reject) => {
      const child = spawn(cmd, args, { env: command.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      const keep = (chunk: Buffer) => {
        output = (output + chunk.toString('utf8')).slice(-20_000);
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      const timer = command.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), command.timeoutMs) : undefined;
      child.on('error', reject);
      child.on('close', (c, s) => {
        if (timer) clearTimeout(timer);
        resolve({ code: c, signal: s, output });
      });
    });
    const wallS = (performance.now() - started) / 1000;
    if (code !== 0) {
      throw new Error(`${command.cmd} ${command.args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${output.split('\n').slice(-30).join('\n')}`);
    }
    const report: unknown = command.reportFile && existsSync(command.reportFile)
      ? JSON.parse(readFileSync(command.reportFile, 'utf8'))
      : undefined;
    let rssMiB: number | null = null;
    let cpuS: number | null = null;
    if (gnu) {
      const last = readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '';
      const [, maxKiB, user, sys] = last.split(' ').map(Number);
      if (maxKiB !== undefined && Number.isFinite(maxKiB)) rssMiB = maxKiB / 1024;
      if (user !== undefined && sys !== undefined && Number.isFinite(user + sys)) cpuS = user + sys;
    } else {
      const self = command.selfRssKiB?.(report);
      if (self !== undefined) rssMiB = self / 1024;
    }
    return { wallS, rssMiB, cpuS, busyBefore, ...(report === undefined ? {} : { report }) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
