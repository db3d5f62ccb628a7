import { z } from 'zod';
import { AppName } from '@firebreak/contracts';
import type { MigrationClass } from '../database/database';
import { baseEnvSchema } from './base-config';
import { loadEnv } from './load-config';

export interface ServiceOptions<Shape extends z.ZodRawShape> {
  app: AppName;
  /** The service's own environment variables, validated together with the base ones. */
  env?: z.ZodObject<Shape>;
  /** Present for services that keep state: their migrations, run at start. */
  database?: { migrations: MigrationClass[] };
}

/** What every service's config has, whatever its own variables. */
export type BaseServiceConfig = z.infer<typeof baseEnvSchema> & { app: AppName; dbSchema: string };

export type ServiceConfig<Shape extends z.ZodRawShape = Record<never, never>> = z.infer<typeof baseEnvSchema> &
  z.infer<z.ZodObject<Shape>> & { app: AppName; dbSchema: string };

export function buildConfig<Shape extends z.ZodRawShape>(
  options: ServiceOptions<Shape>,
  env: NodeJS.ProcessEnv = process.env,
): ServiceConfig<Shape> {
  const schema = options.env ? baseEnvSchema.extend(options.env.shape) : baseEnvSchema;
  const parsed = loadEnv(schema, env) as ServiceConfig<Shape>;
  return { ...parsed, app: options.app, dbSchema: parsed.FIREBREAK_DB_SCHEMA ?? options.app.replace(/-/g, '_') };
}
