import { CheckOutcome } from './check.types';

/**
 * A query that found nothing: `ok` passes, `fail` is a failed run (counted toward the failure
 * threshold), `alert` fails and raises the alert at once (the data itself went missing).
 */
export function noDataOutcome(onNoData: 'ok' | 'fail' | 'alert', what: string, extras: Record<string, unknown>): CheckOutcome {
  return {
    status: onNoData === 'ok' ? 'pass' : 'fail',
    value: null,
    message: `${what} (no data: ${onNoData})`,
    extras: { ...extras, noData: true },
    ...(onNoData === 'alert' ? { alertNow: true } : {}),
  };
}
