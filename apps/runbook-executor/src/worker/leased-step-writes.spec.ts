import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { EventPublisher, Transaction } from '@firebreak/bus';
import { buildConfig } from '@firebreak/platform';
import { initialState } from '../engine/engine.types';
import { SERVICE } from '../service';
import { LeasedStepWrites } from './leased-step-writes';

// When the rows a write published are deleted, on a Postgres and a publisher stubbed: the step's statement always
// holds the lease, and `deletes` lists the DELETEs of published rows sent on their own (flush, or its timer).
function stepWrites() {
  const deletes: string[][] = [];
  const dataSource = {
    driver: { master: { query: async () => ({ rows: [{ id: 'execution' }] }) } },
    logger: { logQuery: () => undefined },
    manager: {},
    query: async (_text: string, [ids]: [string[]]) => void deletes.push(ids),
  } as unknown as DataSource;
  const publisher = {
    buildTrusted: (_subject: string, _data: unknown, options: { id: string }) => ({ id: options.id }),
    publishEvent: async () => ({ seq: 1, duplicate: false }),
  } as unknown as EventPublisher;
  const logger = { warn: () => undefined } as unknown as Logger;
  const writes = new LeasedStepWrites(buildConfig(SERVICE, {}), logger, dataSource, publisher);
  const write = (eventId: string) =>
    writes.write(
      'execution',
      'worker',
      initialState(),
      [],
      (tx: Transaction) => tx.stageTrusted('runbooks.execution.step', {} as never, { id: eventId }),
      [],
    );
  return { writes, write, deletes };
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

it('deletes the rows a write published when no other write took them within leftoversWaitMs', async () => {
  const { write, deletes } = stepWrites();
  expect((await write('event-1')).published).toEqual(['event-1']);
  expect(deletes).toEqual([]);
  await jest.runOnlyPendingTimersAsync();
  expect(deletes).toEqual([['event-1']]);
});

it('close deletes what is left at once and leaves no timer behind', async () => {
  const { writes, write, deletes } = stepWrites();
  await write('event-1');
  await writes.close();
  expect(deletes).toEqual([['event-1']]);
  expect(jest.getTimerCount()).toBe(0);
});

it('after close, a write of a run still going arms no timer: no DELETE is sent once Postgres is closed', async () => {
  const { writes, write, deletes } = stepWrites();
  await writes.close();
  expect((await write('late')).published).toEqual(['late']);
  expect(jest.getTimerCount()).toBe(0);
  await jest.runOnlyPendingTimersAsync();
  expect(deletes).toEqual([]);
});
