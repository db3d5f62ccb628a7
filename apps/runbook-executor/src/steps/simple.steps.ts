import { deriveEventId, parseData, ContractViolation, RunbookRequested } from '@firebreak/contracts';
import { truncate } from '../common/sql-rows';
import { StepResult, StepRunContext, StepRunner } from '../engine/engine.types';
import { StepFailure } from '../engine/refusal';
import { renderText, renderValue } from '../engine/template';
import { NotifyWith, PublishWith } from '../runbooks/step.schemas';

export class WaitStepRunner implements StepRunner {
  async run(ctx: StepRunContext): Promise<StepResult> {
    const duration = ctx.step.uses === 'wait' ? ctx.step.with.duration : 0;
    await ctx.clock.sleep(duration, ctx.signal);
    return { outputs: { waitedMs: duration } };
  }
}

/** Approvals are decided by the engine before a step runs; nothing is left to do here. */
export class ApprovalStepRunner implements StepRunner {
  async run(): Promise<StepResult> {
    return { outputs: { approved: true } };
  }
}

/** Asks the notifier to send a message (notifications.requested, staged with the attempt). */
export class NotifyStepRunner implements StepRunner {
  constructor(private readonly runbookTitle: (runbookId: string) => string) {}

  async run(ctx: StepRunContext): Promise<StepResult> {
    const spec = ctx.step.with as NotifyWith;
    const { execution } = ctx;
    const requestId = deriveEventId('runbook-notify', execution.id, ctx.step.id, ctx.attempt);
    const labels: Record<string, string> = { ...ctx.scope.alert.labels, runbook: execution.runbookId, execution: execution.id };
    const data = {
      requestId,
      channels: spec.channels,
      severity: spec.severity ?? execution.severity,
      title: truncate(spec.title ? renderText(spec.title, ctx.scope) : this.runbookTitle(execution.runbookId), 500),
      text: truncate(renderText(spec.text, ctx.scope), 10_000),
      labels,
      fingerprint: execution.fingerprint,
      executionId: execution.id,
      runbookId: execution.runbookId,
    };
    return {
      outputs: { requestId },
      excerpt: truncate(`${data.channels.length ? data.channels.join(', ') : 'routes by severity'}: ${data.title}\n${data.text}`, 4_000),
      events: [{ subject: 'notifications.requested', data, id: requestId, eventSubject: execution.fingerprint }],
    };
  }
}

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
      if (spec.subject === 'runbooks.requested' && (data as RunbookRequested).trigger === 'manual') data = { ...(data as RunbookRequested), trigger: 'alert' };
    } catch (error) {
      if (error instanceof ContractViolation) throw new StepFailure(`the data does not match ${spec.subject}: ${error.issues.join('; ')}`, false);
      throw error;
    }
    return { outputs: { eventId: id }, excerpt: truncate(`${spec.subject} ${JSON.stringify(data)}`, 4_000), events: [{ subject: spec.subject, data, id }] };
  }
}
