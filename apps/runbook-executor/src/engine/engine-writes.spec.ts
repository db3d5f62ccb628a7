import { harness, runbookOf } from './testing/engine-harness';

const http = (id: string) => ({ id, uses: 'http', with: { url: 'http://127.0.0.1/x' } });
const post = (id: string) => ({ id, uses: 'http', with: { method: 'POST', url: 'http://127.0.0.1/x' } });

// One transaction per step: a step's success is written with the next step's start (or the run's
// closing write). Nothing may run between a step's end and that write, and nothing may be lost.
describe('engine: what each write carries', () => {
  it("writes a step's success with the next step's start, and the last one in the closing write", async () => {
    const h = harness(runbookOf({ steps: [http('first'), post('second'), http('third')] }));
    expect(await h.run()).toMatchObject({ status: 'succeeded' });
    expect(h.store.writes).toEqual([
      { attempts: ['first:running'], cursor: 0, inFlight: 'first' },
      { attempts: ['first:succeeded', 'second:running'], cursor: 1, inFlight: 'second' },
      { attempts: ['second:succeeded', 'third:running'], cursor: 2, inFlight: 'third' },
      { attempts: ['third:succeeded'], cursor: 3, inFlight: undefined },
    ]);
  });

  it('when the worker stops right after a step, that step ends finished in the closing write and the next never starts', async () => {
    const h = harness(runbookOf({ steps: [post('first'), post('second')] }), {
      script: { first: [async () => (h.stop.abort(), { outputs: {} })] },
    });
    expect(await h.run()).toEqual({ status: 'released' });
    expect(h.store.writes.at(-1)).toEqual({ attempts: ['first:succeeded'], cursor: 1, inFlight: undefined });
    expect(h.runner.calls.map((c) => c.stepId)).toEqual(['first']);
  });

  it("writes a step's success before the approval the next step waits for", async () => {
    const h = harness(runbookOf({ steps: [http('first'), { id: 'ok', uses: 'approval', with: {} }, http('after')] }));
    expect(await h.run()).toEqual({ status: 'waiting_approval', stepId: 'ok' });
    expect(h.store.writes).toEqual([
      { attempts: ['first:running'], cursor: 0, inFlight: 'first' },
      { attempts: ['first:succeeded', 'ok:waiting_approval'], cursor: 1, inFlight: undefined },
    ]);
    expect(h.store.approvalRequests).toEqual([{ stepId: 'ok', summary: expect.any(String) }]);
  });
});
