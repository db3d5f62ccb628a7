import { DependencyUnavailableError } from '@firebreak/bus';
import { Detector } from '../definitions/detector-config';
import { IntervalSchedule } from '../definitions/schedule';
import { CheckRunner, CheckSet } from './check-runner';
import { CheckError } from './check.types';

const detector = { id: 'beat', type: 'heartbeat', timeoutMs: 1_000, schedule: new IntervalSchedule(60_000) } as unknown as Detector;

function runnerWhose(heartbeat: () => Promise<never>): CheckRunner {
  return new CheckRunner({ heartbeat: { run: heartbeat } } as unknown as CheckSet);
}

describe('CheckRunner', () => {
  it("a target's failure is an error outcome, stored like any run", async () => {
    const outcome = await runnerWhose(() => Promise.reject(new CheckError('refused', { port: 1 }))).run(detector, new Date());
    expect(outcome).toEqual({ status: 'error', value: null, message: 'refused', extras: { port: 1 } });
  });

  it("Firebreak's own Postgres away is thrown, never an outcome: it must not count as the detector failing", async () => {
    const outage = new DependencyUnavailableError('postgres', { cause: new Error('timeout exceeded when trying to connect') });
    await expect(runnerWhose(() => Promise.reject(outage)).run(detector, new Date())).rejects.toBe(outage);
  });
});
