import { Module } from '@nestjs/common';
import { ExecutionFinalizer } from './execution-finalizer';
import { ExecutionsRepository } from './executions.repository';
import { WorkerSignals } from './worker-signals';

/** The execution record and how an execution ends; every other feature (approvals, verification, the worker, the API) builds on it. */
@Module({
  providers: [ExecutionsRepository, ExecutionFinalizer, WorkerSignals],
  exports: [ExecutionsRepository, ExecutionFinalizer, WorkerSignals],
})
export class LifecycleModule {}
