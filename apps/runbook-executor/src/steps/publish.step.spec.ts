import { StepRunContext } from '../engine/engine.types';
import { PublishStepRunner } from './publish.step';

function context(subject: string, data: Record<string, unknown>): StepRunContext {
  return {
    step: { id: 'chain', uses: 'publish', with: { subject, data } },
    scope: { alert: { labels: {}, annotations: {} }, context: {}, params: {}, execution: { id: 'e1', mode: 'live' }, steps: {}, vars: {} },
    execution: { id: 'e1' },
  } as unknown as StepRunContext;
}

describe('the publish step', () => {
  it('turns a runbook request it publishes into automation, so pause, breakers and loop protection apply', async () => {
    const result = await new PublishStepRunner().run(
      context('runbooks.requested', { requestId: 'r1', runbookId: 'notify_admin', mode: 'live', trigger: 'manual', context: {} }),
    );
    expect(result.events).toEqual([
      expect.objectContaining({
        subject: 'runbooks.requested',
        data: expect.objectContaining({ runbookId: 'notify_admin', trigger: 'alert' }),
      }),
    ]);
  });

  it('refuses data that breaks the contract, naming the field', async () => {
    await expect(new PublishStepRunner().run(context('runbooks.requested', { runbookId: 'x' }))).rejects.toThrow(/requestId/);
  });
});
