/** Whose CPU a process's is: a group (a service, nats-server, the bench) and whether it is the group's own process or one of the Postgres backends serving it. */
export interface Owner {
  group: string;
  kind: 'process' | 'postgres';
}

export interface GroupCpu {
  group: string;
  processUs: number;
  postgresUs: number;
  /** Postgres backends seen serving the group during the window. */
  backends: number;
}

interface Tracked {
  owner: Owner;
  /** CPU when the window began (0 for a process born in it), then the last reading. */
  first: number;
  last: number;
}

function sameOwner(a: Owner, b: Owner): boolean {
  return a.group === b.group && a.kind === b.kind;
}

/**
 * CPU per process over a window, from readings of each pid's cumulative CPU time: the first reading of a pid seen
 * when the window began is its baseline; a pid first seen later was born in the window, so all its CPU counts. A
 * process that exits keeps its last reading (what it spent after it is missed). A reading below the last one, or
 * under another owner, is a new process under a reused pid: the old one's CPU is kept, the new one counted from 0.
 */
export class CpuLedger {
  private readonly live = new Map<number, Tracked>();
  private readonly ended: Tracked[] = [];

  /** A process that existed when the window began: only what it spends from `cpuUs` on counts. */
  baseline(pid: number, owner: Owner, cpuUs: number): void {
    this.live.set(pid, { owner, first: cpuUs, last: cpuUs });
  }

  record(pid: number, owner: Owner, cpuUs: number): void {
    const seen = this.live.get(pid);
    if (seen && sameOwner(seen.owner, owner) && cpuUs >= seen.last) {
      seen.last = cpuUs;
      return;
    }
    if (seen) this.ended.push(seen);
    this.live.set(pid, { owner, first: 0, last: cpuUs });
  }

  /** CPU spent in the window per group, in the order groups were first seen. */
  totals(): GroupCpu[] {
    const groups = new Map<string, GroupCpu>();
    for (const { owner, first, last } of [...this.ended, ...this.live.values()]) {
      let group = groups.get(owner.group);
      if (!group) groups.set(owner.group, (group = { group: owner.group, processUs: 0, postgresUs: 0, backends: 0 }));
      if (owner.kind === 'process') group.processUs += last - first;
      else {
        group.postgresUs += last - first;
        group.backends++;
      }
    }
    return [...groups.values()];
  }
}
