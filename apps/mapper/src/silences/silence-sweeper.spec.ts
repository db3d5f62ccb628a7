import type { Logger } from 'pino';
import { FakeClock } from '@firebreak/testing';
import { MapperConfig } from '../service';
import { SilenceRecord } from './silence';
import { SilenceSweeper } from './silence-sweeper';
import { SilenceTransitions } from './silence-transitions';
import { SilencesRepository } from './silences.repository';

const silence = (id: string): SilenceRecord => ({
  id,
  matchers: ['team="db"'],
  startsAt: new Date('2024-12-09T09:00:00Z'),
  endsAt: new Date('2024-12-09T11:00:00Z'),
  createdBy: 'olga',
  comment: '',
  createdAt: new Date('2024-12-09T09:00:00Z'),
  updatedAt: new Date('2024-12-09T09:00:00Z'),
  appliedState: 'pending',
});

/** The sweeper's own loop over due silences; the pages themselves are SilenceTransitions' (integration-tested). */
describe('the silence sweeper', () => {
  function sweeper(due: SilenceRecord[], failing: Set<string>) {
    const done: string[] = [];
    const repository = { transitionsDue: jest.fn(async () => due) } as unknown as SilencesRepository;
    const transitions = {
      catchUp: jest.fn(async (id: string) => {
        if (failing.has(id)) throw new Error(`page of ${id} failed`);
        done.push(id);
        return 1;
      }),
    } as unknown as SilenceTransitions;
    const logger = { warn: jest.fn(), info: jest.fn(), error: jest.fn(), debug: jest.fn() };
    const config = { FIREBREAK_TIMER_POLL_MS: 60_000 } as MapperConfig;
    const instance = new SilenceSweeper(repository, transitions, new FakeClock(), config, logger as unknown as Logger);
    return { instance, done, logger };
  }

  it('goes on with the next due silences when one fails, on every sweep, and logs the failure once per streak', async () => {
    const failing = new Set(['broken']);
    const { instance, done, logger } = sweeper([silence('first'), silence('broken'), silence('last')], failing);

    await expect(instance.sweep()).resolves.toBe(3);
    expect(done).toEqual(['first', 'last']);
    await instance.sweep();
    expect(done).toEqual(['first', 'last', 'first', 'last']);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn.mock.calls[0][0]).toMatchObject({ silenceId: 'broken' });

    // The streak ends when its page goes through; a new failure after that is logged again.
    failing.clear();
    await instance.sweep();
    expect(done.filter((id) => id === 'broken')).toEqual(['broken']);
    expect(logger.info).toHaveBeenCalledTimes(1);
    failing.add('broken');
    await instance.sweep();
    expect(logger.warn).toHaveBeenCalledTimes(2);
  });
});
