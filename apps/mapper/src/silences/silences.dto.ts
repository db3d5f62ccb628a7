import { z } from 'zod';
import { apiText } from '../core/text';
import { matcherSchema } from '../mappings/mapping-config';

const timestamp = z.iso.datetime({ offset: true, message: 'must be an RFC 3339 timestamp with a time zone' });

/** Alertmanager's silence: matchers in its syntax, a window, a comment. The creator is the caller's token. */
export const createSilenceSchema = z.object({
  matchers: z.array(apiText(1024).pipe(matcherSchema)).min(1, 'needs at least one matcher').max(32, 'at most 32 matchers'),
  startsAt: timestamp.optional(),
  endsAt: timestamp,
  comment: apiText(2000).pipe(z.string().trim().min(1, 'must say why')),
});
export type CreateSilenceBody = z.infer<typeof createSilenceSchema>;

export const listSilencesSchema = z.object({ state: z.enum(['pending', 'active', 'expired']).optional() });
export const silenceParamsSchema = z.object({ id: z.uuid({ message: 'must be a silence id (UUID)' }) });
