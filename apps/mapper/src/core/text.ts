import { z } from 'zod';
import { Alert } from '@firebreak/contracts';

// Postgres text and jsonb cannot hold U+0000, and jsonb refuses a lone UTF-16 surrogate
// ("\ud800"): an alert carrying either would fail every retry. Both become U+FFFD.
const NUL = '\u0000';
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function storableText(value: string): string {
  return value.replaceAll(NUL, '\uFFFD').replace(LONE_SURROGATE, '\uFFFD');
}

function cleanRecord(record: Record<string, string>): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [key, value] of Object.entries(record))
    Object.defineProperty(clean, storableText(key), { value: storableText(value), enumerable: true, writable: true, configurable: true });
  return clean;
}

/** The alert with every NUL replaced, so hostile input is stored as sent, minus what Postgres cannot keep. */
export function storableAlert(alert: Alert): Alert {
  return {
    ...alert,
    labels: cleanRecord(alert.labels),
    annotations: cleanRecord(alert.annotations),
    generatorURL: storableText(alert.generatorURL),
  };
}

/** A string from an API caller: bounded, and without the NUL Postgres would reject. */
export function apiText(max: number) {
  return z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((value) => !value.includes(NUL), 'must not contain NUL characters')
    .transform((value) => value.replace(LONE_SURROGATE, '\uFFFD'));
}

export const RUNBOOK_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
export const runbookIdSchema = z
  .string()
  .regex(RUNBOOK_ID, 'must be a runbook id: letters, digits, _ . : - (at most 128, starting with a letter or digit)');
