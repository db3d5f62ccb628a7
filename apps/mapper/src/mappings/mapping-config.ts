import { z } from 'zod';
import { formatMatcher, Matcher, MatcherError, parseMatcher } from '@firebreak/contracts';
import { loadYamlConfig } from '@firebreak/platform';
import { runbookIdSchema } from '../core/text';

export const matcherSchema = z.string().transform((text, ctx): Matcher => {
  try {
    return parseMatcher(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof MatcherError ? error.message : String(error) });
    return z.NEVER;
  }
});

const mappingsFileSchema = z
  .object({
    alertnames: z.record(z.string().min(1), runbookIdSchema).default({}),
    rules: z
      .array(z.object({ matchers: z.array(matcherSchema).min(1, 'a rule needs at least one matcher'), runbook: runbookIdSchema }).strict())
      .default([]),
  })
  .strict();

export interface MappingRule {
  matchers: Matcher[];
  /** The matchers in canonical form, for display. */
  text: string[];
  runbook: string;
}

export const FILE_MAPPINGS = Symbol('mapper:file-mappings');

export interface FileMappings {
  alertnames: ReadonlyMap<string, string>;
  rules: readonly MappingRule[];
}

/** config/mappings.yaml; a missing file is an empty table, a bad one stops start-up naming the field. */
export function loadFileMappings(configDir: string): FileMappings {
  const parsed = loadYamlConfig(configDir, 'mappings.yaml', mappingsFileSchema, { optional: true });
  return {
    alertnames: new Map(Object.entries(parsed.alertnames)),
    rules: parsed.rules.map((rule) => ({ matchers: rule.matchers, text: rule.matchers.map(formatMatcher), runbook: rule.runbook })),
  };
}
