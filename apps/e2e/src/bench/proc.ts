import { readdirSync, readFileSync } from 'node:fs';

/** One line of /proc/<pid>/stat: the fields the bench reads. */
export interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
}

/** Parses /proc/<pid>/stat; `comm` may hold spaces and parentheses, so fields are counted after the last ")". */
export function parseStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
  const ppid = Number(rest[1]);
  const cpuTicks = Number(rest[11]) + Number(rest[12]);
  if (!Number.isFinite(ppid) || !Number.isFinite(cpuTicks)) return undefined;
  return { pid: Number(text.slice(0, open).trim()), comm: text.slice(open + 1, close), ppid, cpuTicks };
}

/** The VmRSS line of /proc/<pid>/status, in kB (0 for a kernel thread or a zombie, which have none). */
export function parseVmRssKb(status: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) : 0;
}

/** `root` and every process below it, from a pid → ppid table. */
export function processTree(root: number, stats: Iterable<ProcStat>): number[] {
  const children = new Map<number, number[]>();
  for (const stat of stats) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), stat.pid]);
  const tree: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

function readOr(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process exited between listing and reading
  }
}

export function allStats(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const text = readOr(`/proc/${name}/stat`);
    const stat = text === undefined ? undefined : parseStat(text);
    if (stat) stats.push(stat);
  }
  return stats;
}

export function commandLine(pid: number): string {
  return (readOr(`/proc/${pid}/cmdline`) ?? '').split('\0').filter(Boolean).join(' ');
}

/**
 * Resident memory of a service in MB: its process and any it started (an ingress with several
 * workers counts them all).
 */
export function treeRssMb(pid: number): number {
  const kb = processTree(pid, allStats()).reduce((sum, member) => sum + parseVmRssKb(readOr(`/proc/${member}/status`) ?? ''), 0);
  return Math.round(kb / 1024);
}

/** RSS samples per service over a soak: the first, the peak and the last are what the report needs. */
export class RssSeries {
  private readonly series = new Map<string, { first: number; peak: number; last: number; samples: number }>();

  record(service: string, mb: number): void {
    const known = this.series.get(service);
    if (!known) this.series.set(service, { first: mb, peak: mb, last: mb, samples: 1 });
    else this.series.set(service, { first: known.first, peak: Math.max(known.peak, mb), last: mb, samples: known.samples + 1 });
  }

  growth(): Array<{ service: string; firstMb: number; peakMb: number; lastMb: number; growthMb: number; samples: number }> {
    return [...this.series].map(([service, s]) => ({
      service,
      firstMb: s.first,
      peakMb: s.peak,
      lastMb: s.last,
      growthMb: s.last - s.first,
      samples: s.samples,
    }));
  }
}
