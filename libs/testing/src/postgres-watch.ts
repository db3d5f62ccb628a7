import { readFileSync } from 'node:fs';
import { Client } from 'pg';

/** CPU time of a process so far, in µs (Linux: /proc/<pid>/stat utime + stime, in clock ticks of 10 ms), or null. */
export function processCpuUs(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return null;
  }
}

/**
 * For benches: counts the statements every pg client of this process sends (typeorm's pool is made of them) and the
 * CPU the Postgres backends serving them spent meanwhile (each backend read when first seen and at stop()).
 */
export function watchPostgres(): { statements(): number; stop(): number } {
  const original = Client.prototype.query;
  const backends = new Map<number, { first: number; last: number }>();
  let statements = 0;
  const read = (pid: number) => {
    const cpu = processCpuUs(pid);
    if (cpu === null) return;
    const seen = backends.get(pid);
    if (seen) seen.last = cpu;
    else backends.set(pid, { first: cpu, last: cpu });
  };
  Client.prototype.query = function (this: Client & { processID?: number }, ...args: unknown[]) {
    statements++;
    if (this.processID && !backends.has(this.processID)) read(this.processID);
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof Client.prototype.query;
  return {
    statements: () => statements,
    stop: (): number => {
      Client.prototype.query = original;
      for (const pid of backends.keys()) read(pid);
      return [...backends.values()].reduce((sum, { first, last }) => sum + last - first, 0);
    },
  };
}
