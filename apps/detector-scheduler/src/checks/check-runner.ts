import { DependencyUnavailableError } from '@firebreak/bus';
import { Detector } from '../definitions/detector-config';
import { Check, CheckError, CheckOutcome } from './check.types';

export interface CheckSet {
  http: Check<Extract<Detector, { type: 'http' }>>;
  postgres_size: Check<Extract<Detector, { type: 'postgres_size' }>>;
  nats_consumer_lag: Check<Extract<Detector, { type: 'nats_consumer_lag' }>>;
  heartbeat: Check<Extract<Detector, { type: 'heartbeat' }>>;
  sql: Check<Extract<Detector, { type: 'sql' }>>;
  prometheus: Check<Extract<Detector, { type: 'prometheus' }>>;
}

/**
 * Runs a detector's check within its timeout. Whatever goes wrong with the target (a timeout, a
 * refused connection, an answer that is not what the type reads) becomes an `error` outcome with the
 * reason, so every run is stored. The one exception: Firebreak's own Postgres unreachable
 * (DependencyUnavailableError) is not the target failing, so it is thrown and nothing is stored.
 */
export class CheckRunner {
  constructor(private readonly checks: CheckSet) {}

  async run(detector: Detector, now: Date): Promise<CheckOutcome> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort(new CheckError(`timed out after ${detector.timeoutMs} ms`));
        reject(new CheckError(`timed out after ${detector.timeoutMs} ms`));
      }, detector.timeoutMs);
    });
    try {
      return await Promise.race([this.dispatch(detector, { now, signal: controller.signal }), timeout]);
    } catch (error) {
      if (error instanceof DependencyUnavailableError) throw error;
      const extras = error instanceof CheckError ? error.extras : {};
      return { status: 'error', value: null, message: (error as Error).message || String(error), extras };
    } finally {
      clearTimeout(timer);
      if (!controller.signal.aborted) controller.abort(new Error('check finished'));
    }
  }

  private dispatch(detector: Detector, ctx: { now: Date; signal: AbortSignal }): Promise<CheckOutcome> {
    switch (detector.type) {
      case 'http':
        return this.checks.http.run(detector, ctx);
      case 'postgres_size':
        return this.checks.postgres_size.run(detector, ctx);
      case 'nats_consumer_lag':
        return this.checks.nats_consumer_lag.run(detector, ctx);
      case 'heartbeat':
        return this.checks.heartbeat.run(detector, ctx);
      case 'sql':
        return this.checks.sql.run(detector, ctx);
      case 'prometheus':
        return this.checks.prometheus.run(detector, ctx);
    }
  }
}
