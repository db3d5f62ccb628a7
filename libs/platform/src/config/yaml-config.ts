import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError } from './config-error';

/** Replaces `${NAME}` with the variable's value; a missing one is an error naming it. */
export function expandEnvReferences(text: string, env: NodeJS.ProcessEnv, missing: string[]): string {
  return text.replace(/\$\{([A-Z_][A-Z0-9_]*)\}/g, (_, name: string) => {
    const value = env[name];
    if (value === undefined || value === '') {
      missing.push(name);
      return '';
    }
    return value;
  });
}

/**
 * Loads a YAML file of the config directory against its schema. A bad file stops start-up with
 * the path and the field; secrets come from `${ENV}` references, never from the file.
 */
export function loadYamlConfig<T extends z.ZodType>(
  dir: string,
  file: string,
  schema: T,
  options: { env?: NodeJS.ProcessEnv; optional?: boolean } = {},
): z.infer<T> {
  const path = resolve(dir, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (options.optional && (error as NodeJS.ErrnoException).code === 'ENOENT') return schema.parse({});
    throw new ConfigError([`${path}: cannot read (${(error as Error).message})`]);
  }
  const document = parseDocument(text);
  if (document.errors.length > 0) throw new ConfigError(document.errors.map((error) => `${path}: ${error.message}`));
  const raw: unknown = document.toJS();
  const missing: string[] = [];
  const expanded = JSON.parse(JSON.stringify(raw ?? {}), (_key, value: unknown) =>
    typeof value === 'string' ? expandEnvReferences(value, options.env ?? process.env, missing) : value,
  );
  const result = schema.safeParse(expanded);
  const problems = [...new Set(missing)].map((name) => `${path}: references \${${name}}, which is not set`);
  if (!result.success)
    problems.push(...result.error.issues.map((issue) => `${path}: ${issue.path.join('.') || '(root)'}: ${issue.message}`));
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  return result.data;
}
