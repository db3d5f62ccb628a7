import { renderText } from '../definitions/template';
import { StepFailure } from '../engine/step-failure';
import { StepResult, StepRunContext, StepRunner } from '../engine/engine.types';

/** Fails on purpose with the runbook's reason, never retried: a condition decided that a person must take over. */
export class FailStepRunner implements StepRunner {
  async run(ctx: StepRunContext): Promise<StepResult> {
    const reason = ctx.step.uses === 'fail' ? renderText(ctx.step.with.reason, ctx.scope) : 'fail step';
    throw new StepFailure(reason, false);
  }
}
