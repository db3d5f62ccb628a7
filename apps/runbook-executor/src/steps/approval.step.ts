import { StepResult, StepRunner } from '../engine/engine.types';

/** Approvals are decided by the engine before a step runs; nothing is left to do here. */
export class ApprovalStepRunner implements StepRunner {
  async run(): Promise<StepResult> {
    return { outputs: { approved: true } };
  }
}
