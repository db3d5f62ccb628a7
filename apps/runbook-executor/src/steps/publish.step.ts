import { ContractViolation, deriveEventId, parseData, RunbookRequested } from '@firebreak/contracts';
import { truncate } from '../common/text';
import { PublishWith } from '../definitions/step.schemas';
import { renderValue } from '../definitions/template';
import { StepResult, StepRunContext, StepRunner } from '../engine/engine.types';
import { StepFailure } from '../engine/step-failure';

/**
 * A runbook that starts another runbook is automation, whatever its data says, and the executor trusts the
 * request only as far as the runbook's file decides it:
 * - `trigger`: `alert`, so it passes the same gates (opt-in, pause, breaker, loop protection) as one made by an
 *   alert. Only a drill (`trigger: drill` with `mode: drill`: no mutating step, nobody paged) stays a drill;
 *   a `manual` or a `drill` in another mode would skip every gate.
 * - `selectedBy`: never taken from the data. A runbook id written as a literal in the file is the file's author's
 *   choice, an admin's like a mapping file's (`file_rule`); one that comes from a template (a label, a step's
 *   output) is data a sender may control, so it is treated like the alert's own annotation (`annotation`): the
 *   target runbook must opt in (`selectable: annotation`).
 */
export function chainedRequest(request: RunbookRequested, runbookIdTemplate: unknown): RunbookRequested {
  const literal = typeof runbookIdTemplate === 'string' && !runbookIdTemplate.includes('{{');
  const drill = request.trigger === 'drill' && request.mode === 'drill';
  return { ...request, trigger: drill ? 'drill' : 'alert', selectedBy: literal ? 'file_rule' : 'annotation' };
}

/** Publishes an event of the catalogue; its data is validated against the contract first. */
export class PublishStepRunner implements StepRunner {
  async run(ctx: StepRunContext): Promise<StepResult> {
    const spec = ctx.step.with as PublishWith;
    const id = deriveEventId('runbook-publish', ctx.execution.id, ctx.step.id);
    let data: unknown;
    try {
      data = parseData(spec.subject, renderValue(spec.data, ctx.scope));
      if (spec.subject === 'runbooks.requested') data = chainedRequest(data as RunbookRequested, spec.data.runbookId);
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
