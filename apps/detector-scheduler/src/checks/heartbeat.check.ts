import { DependencyUnavailableError, isConnectionFailure } from '@firebreak/bus';
import { HeartbeatDetector } from '../definitions/detector-config';
import { HeartbeatsService } from '../heartbeats/heartbeats.service';
import { Check, CheckContext, CheckOutcome } from './check.types';

/**
 * A beat must have arrived within the window. A detector never beaten counts from when it was first
 * checked, so a fresh install gets one window of grace rather than an alert at once.
 * Value: seconds since the last beat (or since registration when none came).
 */
export class HeartbeatCheck implements Check<HeartbeatDetector> {
  constructor(private readonly heartbeats: HeartbeatsService) {}

  async run(detector: HeartbeatDetector, ctx: CheckContext): Promise<CheckOutcome> {
    // The beats are in Firebreak's own database: not reaching it says nothing about the job beating.
    const row = await this.heartbeats.read(detector.id, ctx.now).catch((error: unknown) => {
      throw isConnectionFailure(error) ? new DependencyUnavailableError('postgres', { cause: error }) : error;
    });
    const since = row.lastBeatAt ?? row.registeredAt;
    const ageMs = Math.max(0, ctx.now.getTime() - since.getTime());
    const ageSec = Math.round(ageMs / 100) / 10;
    const ok = ageMs <= detector.window;
    const extras = { lastBeatAt: row.lastBeatAt?.toISOString() ?? null, beats: row.beats, windowSec: detector.window / 1000 };
    const seen = row.lastBeatAt ? `last heartbeat ${ageSec} s ago` : `no heartbeat since the detector started ${ageSec} s ago`;
    return {
      status: ok ? 'pass' : 'fail',
      value: ageSec,
      message: ok ? `${seen}, within ${detector.window / 1000} s` : `${seen}, over the ${detector.window / 1000} s window`,
      extras,
    };
  }
}
