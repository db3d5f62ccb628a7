import { z } from 'zod';
import { ConfigError } from './config-error';

/**
 * Parses the environment once, at start. Every problem is reported with the variable's name, and
 * the value itself only when it is not a secret.
 */
export function loadEnv<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv = process.env): z.infer<T> {
  // An empty variable means "not set": docker-compose and shells produce them for absent values.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const name = issue.path.join('.');
      return issue.code === 'invalid_type' && present[name] === undefined ? `${name} is required but not set` : `${name}: ${issue.message}`;
    }),
  );
}
