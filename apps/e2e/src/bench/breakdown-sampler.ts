import { processCpuUs } from '@firebreak/testing';
import type { Client } from 'pg';
import { CpuLedger, GroupCpu, Owner } from './breakdown-ledger';
import { POSTGRES_SHARED_GROUP } from './breakdown-rows';
import { inodeOwners, listenerInodes, ownersByClientPort, socketInodesOf, tcpSockets } from './breakdown-sockets';
import { allStats } from './proc';

interface Activity {
  pid: number;
  backend_type: string;
  client_port: number | null;
}

const SHARED: Owner = { group: POSTGRES_SHARED_GROUP, kind: 'postgres' };

/** The processes named `comm` that listen on `port` here (the nats-server, the postmaster); none when the server is elsewhere. */
export function listeningPids(port: number, comm: string): number[] {
  const listeners = listenerInodes(tcpSockets(), port);
  return allStats()
    .filter((stat) => stat.comm === comm && socketInodesOf(stat.pid).some((inode) => listeners.has(inode)))
    .map((stat) => stat.pid);
}

/**
 * Reads, at each tick, the CPU of every process of the groups it was given and of every Postgres backend serving one
 * of them, found in pg_stat_activity and attributed by its client port (the local port of a socket one of the
 * group's processes holds). Backends come and go with the pools, so each is read at every tick and keeps its last
 * reading: missed are a backend that lived less than one tick, and what a backend spent between its last tick and
 * its exit. Backends of other clients of the server (other runs) are recognised once and left out.
 */
export class BreakdownSampler {
  private readonly ledger = new CpuLedger();
  /** `${pid}:${client_port}` → the backend's owner, or null when it serves something else. */
  private readonly backendOwners = new Map<string, Owner | null>();
  private started = false;

  /**
   * @param processes group → its processes (a service's process tree, the bench's own pid, ...)
   * @param clientGroups the groups whose processes may hold Postgres connections
   */
  constructor(
    private readonly db: Client,
    private readonly processes: ReadonlyMap<string, readonly number[]>,
    private readonly clientGroups: readonly string[],
    private readonly postgresPort: number,
  ) {}

  /** The first tick is the window's baseline: what the processes spent before it is not counted. */
  async tick(): Promise<void> {
    for (const [group, pids] of this.processes) for (const pid of pids) this.read(pid, { group, kind: 'process' });
    const { rows } = await this.db.query<Activity>('SELECT pid, backend_type, client_port FROM pg_stat_activity');
    this.attribute(rows);
    for (const row of rows) {
      const owner = this.backendOwners.get(`${row.pid}:${row.client_port}`);
      if (owner) this.read(row.pid, owner);
    }
    this.started = true;
  }

  totals(): GroupCpu[] {
    return this.ledger.totals();
  }

  private read(pid: number, owner: Owner): void {
    const cpuUs = processCpuUs(pid);
    if (cpuUs === null) return; // exited since listed: its last reading stands
    if (this.started) this.ledger.record(pid, owner, cpuUs);
    else this.ledger.baseline(pid, owner, cpuUs);
  }

  /** Finds the owners of backends not seen before; one pass over the sockets for all of them. */
  private attribute(rows: readonly Activity[]): void {
    const unknown = rows.filter((row) => !this.backendOwners.has(`${row.pid}:${row.client_port}`));
    if (unknown.length === 0) return;
    const clients = new Map(this.clientGroups.map((group) => [group, this.processes.get(group) ?? []]));
    const byPort = ownersByClientPort(tcpSockets(), this.postgresPort, inodeOwners(clients));
    for (const row of unknown) {
      const group = row.client_port === null ? undefined : byPort.get(row.client_port);
      const owner: Owner | null = row.backend_type !== 'client backend' ? SHARED : group === undefined ? null : { group, kind: 'postgres' };
      this.backendOwners.set(`${row.pid}:${row.client_port}`, owner);
    }
  }
}
