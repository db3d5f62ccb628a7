import { deriveEventId } from '@firebreak/contracts';
import { truncate } from '../common/text';
import { NotifyWith } from '../definitions/step.schemas';
import { renderText } from '../definitions/template';
import { StepResult, StepRunContext, StepRunner } from '../engine/engine.types';

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
