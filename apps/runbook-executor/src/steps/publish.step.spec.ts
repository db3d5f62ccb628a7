import { StepRunContext } from '../engine/engine.types';
import { PublishStepRunner } from './publish.step';

function context(subject: string, data: Record<string, unknown>): StepRunContext {
  return {
    step: { id: 'chain', uses: 'publish', with: { subject, data } },
    scope: {
      alert: { labels: { next: 'postgres_vacuum' }, annotations: {} },
      context: {},
      params: {},
      execution: { id: 'e1', mode: 'live' },
      steps: {},
      vars: {},
    },
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

  const publish = async (data: Record<string, unknown>) =>
    (await new PublishStepRunner().run(context('runbooks.requested', { requestId: 'r1', mode: 'live', context: {}, ...data }))).events![0]
      .data;

  it.each([
    ['omitted', undefined],
    ['forged as an admin mapping', 'runtime'],
    ['forged as a mappings.yaml rule', 'file_rule'],
  ])(
    "a runbook id from a template is the sender's choice, like an annotation, whatever selectedBy the data gives (%s)",
    async (_what, selectedBy) => {
      const data = await publish({ runbookId: '{{ alert.labels.next }}', trigger: 'alert', ...(selectedBy ? { selectedBy } : {}) });
      expect(data).toMatchObject({ runbookId: 'postgres_vacuum', selectedBy: 'annotation', trigger: 'alert' });
    },
  );

  it("a runbook id written as a literal is the file author's (an admin's) choice, whatever the data claims", async () => {
    expect(await publish({ runbookId: 'postgres_vacuum', trigger: 'alert', selectedBy: 'annotation' })).toMatchObject({
      runbookId: 'postgres_vacuum',
      selectedBy: 'file_rule',
    });
  });

  it.each([
    ['live', 'alert'],
    ['dry_run', 'alert'],
    ['drill', 'drill'],
  ])('trigger: drill in mode %s becomes trigger %s: only a real drill escapes the gates', async (mode, trigger) => {
    expect(await publish({ runbookId: 'notify_admin', trigger: 'drill', mode })).toMatchObject({ mode, trigger });
  });

  it('refuses data that breaks the contract, naming the field', async () => {
    await expect(new PublishStepRunner().run(context('runbooks.requested', { runbookId: 'x' }))).rejects.toThrow(/requestId/);
  });
});
