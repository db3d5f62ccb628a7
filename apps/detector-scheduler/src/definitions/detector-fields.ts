import Mustache from 'mustache';
import { RE2JS } from 're2js';
import { z } from 'zod';
import { parseDuration } from '@firebreak/platform';
import { Expectation, parseExpectation } from './expectation';

// The field-level parsers that detector definitions are built from (detector-config.ts).
export const duration = z.string({ message: 'must be a duration such as 500ms, 30s, 5m, 1h' }).transform((text, ctx): number => {
  const value = parseDuration(text);
  if (value === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration such as 500ms, 30s, 5m, 1h` });
    return z.NEVER;
  }
  return value;
});

export const expectation = z
  .string({ message: 'must be a comparison such as "< 1000", ">= 1", "<= 5GB"' })
  .transform((text, ctx): Expectation => {
    const parsed = parseExpectation(text);
    if (!parsed) {
      ctx.addIssue({ code: 'custom', message: `"${text}" is not a comparison such as "< 1000", ">= 1", "<= 5GB"` });
      return z.NEVER;
    }
    return parsed;
  });

/** A regex with RE2 semantics (as Alertmanager and the label matchers): linear time on any body. */
export const re2 = z.string().transform((pattern, ctx): RE2JS => {
  try {
    return RE2JS.compile(pattern);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `is not an RE2 regex: ${(error as Error).message}` });
    return z.NEVER;
  }
});

export const template = z.string().superRefine((text, ctx) => {
  try {
    Mustache.parse(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `is not a valid template: ${(error as Error).message}` });
  }
});

export const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
export const connectionName = z.string().regex(/^[a-z][a-z0-9_-]*$/, 'must be a connection name from connections.yaml');
export const onNoData = z.enum(['ok', 'fail', 'alert']).default('fail');
