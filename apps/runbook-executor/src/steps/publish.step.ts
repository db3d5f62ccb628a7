import { ContractViolation, deriveEventId, parseData, RunbookRequested } from '@firebreak/contracts';
import { truncate } from '../common/text';
import { PublishWith } from '../definitions/step.schemas';
import { renderValue } from '../definitions/template';
import { StepResult, StepRunContext, StepRunner } from '../engine/engine.types';
import { StepFailure } from '../engine/step-failure';

/** Publishes an event of the catalogue; its data is validated against the contract first. */
export class PublishStepRunner implements StepRunner {
  async run(ctx: StepRunContext): Promise<StepResult> {
    const spec = ctx.step.with as PublishWith;
    const id = deriveEventId('runbook-publish', ctx.execution.id, ctx.step.id);
    let data: unknown;
    try {
      data = parseData(spec.subject, renderValue(spec.data, ctx.scope));
      // A runbook that starts another runbook is automation, whatever the step says: the request
      // must pass the same gates (pause, breaker, loop protection) as one made by an alert.
      if (spec.subject === 'runbooks.requested' && (data as RunbookRequested).trigger === 'manual')
        data = { ...(data as RunbookRequested), trigger: 'alert' };
    } catch (error) {
      if (error instanceof ContractViolation)
        throw new StepFailure(`the data does not match ${spec.subject}: ${error.issues.join('; ')}`, false);
      throw error;
    }
    return {
      outputs: { eventId: id },
      excerpt: truncate(`${spec.subject} ${JSON.stringify(data)}`, 4_000),
      events: [{ subject: spec.subject, data, id }],
    };
  }
}
