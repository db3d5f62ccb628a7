import { readFileSync } from 'node:fs';
import { DataSource } from 'typeorm';

/** The application_name the bench gives the notifier's Postgres connections, to find their backends. */
export const BENCH_APPLICATION_NAME = 'firebreak-notifier-bench';

/** CPU µs each of the notifier's Postgres backends has used so far, read from /proc (a local Postgres). */
export async function backendCpu(db: DataSource): Promise<Map<number, number>> {
  const rows: Array<{ pid: number }> = await db.query(`SELECT pid FROM pg_stat_activity WHERE application_name = $1`, [
    BENCH_APPLICATION_NAME,
  ]);
  const used = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      // Fields 14 and 15 (utime, stime) in clock ticks of 10 ms; the command name (field 2) may hold spaces.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      used.set(pid, (Number(fields[11]) + Number(fields[12])) * 10_000);
    } catch {
      // Not on this host, or gone.
    }
  }
  return used;
}
