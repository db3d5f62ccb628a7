import { z } from 'zod';
import { Alert } from '@firebreak/contracts';
import { storable, storableText } from '@firebreak/platform';

/** The alert with every NUL replaced, so hostile input is stored as sent, minus what Postgres cannot keep. */
export function storableAlert(alert: Alert): Alert {
  return {
    ...alert,
    labels: storable(alert.labels),
    annotations: storable(alert.annotations),
    generatorURL: storableText(alert.generatorURL),
  };
}

/** A string from an API caller: bounded, and without the NUL Postgres would reject. */
export function apiText(max: number) {
  return z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((value) => !value.includes('\u0000'), 'must not contain NUL characters')
    .transform((value) => storableText(value));
}

export const RUNBOOK_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
export const runbookIdSchema = z
  .string()
  .regex(RUNBOOK_ID, 'must be a runbook id: letters, digits, _ . : - (at most 128, starting with a letter or digit)');
