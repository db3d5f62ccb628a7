import { z } from 'zod';
import { env, ServiceConfig, ServiceOptions } from '@firebreak/platform';
import { parseBasicAuthPairs, parseBearerTokens, WEBHOOK_AUTH_FALLBACKS } from './webhook/webhook-credentials';

export const DEFAULT_WEBHOOK_MAX_BYTES = 1_048_576;

/** A comma-separated secret list, parsed at start; problems name the entry, never its value. */
const secretList = (parse: (spec: string) => { values: string[]; problems: string[] }) =>
  z.string().transform((spec, ctx) => {
    const { values, problems } = parse(spec);
    for (const message of problems) ctx.issues.push({ code: 'custom', message, input: '[redacted]' });
    return values;
  });

const envShape = z.object({
  /** Bearer tokens Alertmanager may send (`http_config.authorization`), comma-separated. */
  FIREBREAK_WEBHOOK_TOKENS: secretList(parseBearerTokens).default([]),
  /** `user:password` pairs Alertmanager may send (`http_config.basic_auth`), comma-separated. */
  FIREBREAK_WEBHOOK_BASIC_AUTH: secretList(parseBasicAuthPairs).default([]),
  /**
   * Who may call the webhook when no credentials are configured: `loopback` (callers on this host
   * only, the default) or `none` (anyone: only behind something else that authenticates).
   */
  FIREBREAK_WEBHOOK_AUTH: z.enum(WEBHOOK_AUTH_FALLBACKS).default('loopback'),
  FIREBREAK_WEBHOOK_MAX_BYTES: env.int(1024, 104_857_600, DEFAULT_WEBHOOK_MAX_BYTES),
});

export type IngressConfig = ServiceConfig<typeof envShape.shape>;

export const SERVICE: ServiceOptions<typeof envShape.shape> = { app: 'ingress', env: envShape };

/** Fastify's body limit is fixed when the app is created, from the config built at start. */
export const webhookBodyLimit = (config: IngressConfig): number => config.FIREBREAK_WEBHOOK_MAX_BYTES;
