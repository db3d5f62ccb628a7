import type { Logger } from 'pino';
import { buildConfig } from '@firebreak/platform';
import { FakeClock } from '@firebreak/testing';
import { SERVICE } from '../service';
import { AlertStatesPruner, PRUNE_BATCH, PRUNE_EVERY_MS } from './alert-states-pruner';
import { VerificationRepository } from './verification.repository';

// When the prune runs and how much it may do at once; what it deletes is alert-states-prune.integration-spec's.
function pruner(backlog: number) {
  const clock = new FakeClock();
  const statements: Date[] = [];
  let left = backlog;
  const repo = {
    pruneAlertStates: async (before: Date, limit: number) => {
      statements.push(before);
      const deleted = Math.min(left, limit);
      left -= deleted;
      return deleted;
    },
  } as unknown as VerificationRepository;
  const config = buildConfig(SERVICE, { FIREBREAK_ALERT_STATE_RETENTION_MS: '3600000' });
  const instance = new AlertStatesPruner(config, clock, { debug: () => undefined } as unknown as Logger, repo);
  return { pruner: instance, clock, statements, left: () => left };
}

it('prunes states resolved before the retention, once per interval however often the timers sweep', async () => {
  const { pruner: p, clock, statements } = pruner(3);
  expect(await p.pruneIfDue()).toBe(3);
  expect(statements).toEqual([new Date(clock.now().getTime() - 3_600_000)]);
  await clock.advance(PRUNE_EVERY_MS - 1);
  expect(await p.pruneIfDue()).toBe(0);
  expect(statements).toHaveLength(1);
  await clock.advance(1);
  await p.pruneIfDue();
  expect(statements).toHaveLength(2);
});

it('works a backlog off in bounded statements: more while each deletes a full batch, at most ten per interval', async () => {
  const { pruner: p, clock, statements, left } = pruner(PRUNE_BATCH * 12 + 5);
  expect(await p.pruneIfDue()).toBe(PRUNE_BATCH * 10);
  expect(statements).toHaveLength(10);
  await clock.advance(PRUNE_EVERY_MS);
  expect(await p.pruneIfDue()).toBe(PRUNE_BATCH * 2 + 5);
  expect(statements).toHaveLength(13);
  expect(left()).toBe(0);
});
