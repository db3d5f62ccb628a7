/** What one run of a check found. `error`: the check could not measure (timeout, refused, bad answer). */
export type CheckStatus = 'pass' | 'fail' | 'error';

export interface CheckOutcome {
  status: CheckStatus;
  value: number | null;
  message: string;
  extras: Record<string, unknown>;
  /** Raise the alert now, whatever the failure threshold (prometheus/sql `onNoData: alert`). */
  alertNow?: boolean;
}

export interface CheckContext {
  now: Date;
  /** Aborted when the detector's timeout is over. */
  signal: AbortSignal;
}

export interface Check<D> {
  run(detector: D, ctx: CheckContext): Promise<CheckOutcome>;
}

/** A check's wrong answer or refused measurement, reported as the run's `error`. */
export class CheckError extends Error {
  constructor(
    message: string,
    readonly extras: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'CheckError';
  }
}
