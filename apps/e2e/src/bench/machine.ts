import { cpus, loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { allStats, commandLine, ProcStat } from './proc';

const TICKS_PER_SEC = 100; // USER_HZ, 100 on every Linux the bench runs on
/** A process busier than this share of one core during the sample is named in the report. */
const BUSY_SHARE = 0.1;

function cpuTotals(): { idle: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // idle + iowait count as idle.
  return { idle: fields[3] + (fields[4] ?? 0), total: fields.reduce((a, b) => a + b, 0) };
}

/**
 * What else ran on the machine over `sampleMs`: all cores' busy share and each other process using
 * more than a tenth of a core (the bench itself excluded).
 */
export async function otherActivity(sampleMs = 1000): Promise<string> {
  const before = cpuTotals();
  const ticksBefore = new Map(allStats().map((stat) => [stat.pid, stat.cpuTicks]));
  await new Promise((resolve) => setTimeout(resolve, sampleMs));
  const after = cpuTotals();
  const busy: Array<ProcStat & { share: number }> = [];
  for (const stat of allStats()) {
    if (stat.pid === process.pid) continue;
    const share = (stat.cpuTicks - (ticksBefore.get(stat.pid) ?? stat.cpuTicks)) / TICKS_PER_SEC / (sampleMs / 1000);
    if (share > BUSY_SHARE) busy.push({ ...stat, share });
  }
  busy.sort((a, b) => b.share - a.share);
  const cpuBusy = 1 - (after.idle - before.idle) / Math.max(1, after.total - before.total);
  const named = busy
    .slice(0, 5)
    .map((stat) => `${(commandLine(stat.pid) || stat.comm).slice(0, 60)} ${Math.round(stat.share * 100)} %`)
    .join(', ');
  return `CPU ${Math.round(cpuBusy * 100)} % busy${named ? ` (${named})` : ' (no other process above 10 % of a core)'}`;
}

export function machineBasics(): { cores: number; node: string; load: number[] } {
  return { cores: cpus().length, node: process.version, load: loadavg() };
}
