import { Injectable } from '@nestjs/common';

export interface LocalWorker {
  kick(): void;
  cancelLocal(executionId: string, reason: string): boolean;
}

/**
 * This replica's execution worker as the features that change executions see it: "look now"
 * after one became runnable (an approval granted, a rollback queued), "stop it" after a cancel.
 * The worker runs what those features record (it reads approvals, opens verification windows), so
 * they reach it through here rather than by importing it; it attaches itself when it is created.
 */
@Injectable()
export class WorkerSignals {
  private worker?: LocalWorker;

  attach(worker: LocalWorker): void {
    this.worker = worker;
  }

  kick(): void {
    this.worker?.kick();
  }

  /** True when this replica runs the execution and stopped it now; other replicas see the cancel at their next heartbeat. */
  cancelLocal(executionId: string, reason: string): boolean {
    return this.worker?.cancelLocal(executionId, reason) ?? false;
  }
}
