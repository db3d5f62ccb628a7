import type { ExitInfo, ManagedProcess } from './processes';

export type Role = 'infra' | 'task' | 'service';

/**
 * What the launcher has started, and the order it comes down in: services and tasks first (they
 * drain into NATS and Postgres), then the infrastructure, last started first stopped.
 */
export class Stack {
  private readonly members: Array<{ proc: ManagedProcess; role: Role }> = [];
  private readonly stopController = new AbortController();
  private stopping: Promise<void> | undefined;

  /** Called when a watched process exits while nobody asked it to. */
  onUnexpectedExit: (proc: ManagedProcess, info: ExitInfo) => void = () => undefined;
  /** Called when a process ignored SIGTERM for the whole grace period and was killed. */
  onForcedKill: (proc: ManagedProcess) => void = () => undefined;

  constructor(private readonly graceMs: number) {}

  /** Aborted as soon as the stack starts coming down; long waits listen to it. */
  get signal(): AbortSignal {
    return this.stopController.signal;
  }

  get isStopping(): boolean {
    return this.stopController.signal.aborted;
  }

  add(proc: ManagedProcess, role: Role): void {
    if (this.isStopping) {
      void proc.stop(this.graceMs);
      return;
    }
    this.members.push({ proc, role });
    if (role !== 'task') {
      void proc.exited.then((info) => {
        if (!this.isStopping) this.onUnexpectedExit(proc, info);
      });
    }
  }

  /** Idempotent: the second SIGINT (npm forwards one too) joins the shutdown already under way. */
  stop(): Promise<void> {
    if (!this.stopping) {
      // Aborting first: its listeners run now and must already see isStopping.
      this.stopController.abort();
      this.stopping = this.stopAll();
    }
    return this.stopping;
  }

  /** Last resort when the launcher itself is exiting without a clean stop. */
  killAllNow(): void {
    for (const { proc } of this.members) proc.kill('SIGTERM');
  }

  private async stopAll(): Promise<void> {
    const front = this.members.filter((m) => m.role !== 'infra');
    await Promise.all(front.map((m) => this.stopOne(m.proc)));
    const infra = this.members.filter((m) => m.role === 'infra').reverse();
    for (const { proc } of infra) await this.stopOne(proc);
  }

  private async stopOne(proc: ManagedProcess): Promise<void> {
    await proc.stop(this.graceMs);
    if (proc.forceKilled) this.onForcedKill(proc);
  }
}
