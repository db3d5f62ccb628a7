import { StepResult, StepRunContext, StepRunner } from '../engine/engine.types';

export class WaitStepRunner implements StepRunner {
  async run(ctx: StepRunContext): Promise<StepResult> {
    const duration = ctx.step.uses === 'wait' ? ctx.step.with.duration : 0;
    await ctx.clock.sleep(duration, ctx.signal);
    return { outputs: { waitedMs: duration } };
  }
}
