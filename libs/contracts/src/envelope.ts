import { z } from 'zod';

export const CLOUDEVENTS_SPECVERSION = '1.0';

/** Half an emoji on its own: with the u flag a pair is one code point, so only a lone half is a surrogate (Cs). */
const LONE_SURROGATE = /\p{Cs}/u;

/** The CloudEvents 1.0 envelope, structured JSON mode, with the event's own data schema inside. */
export function cloudEventSchema<T extends z.ZodType>(type: string, data: T) {
  return z.object({
    specversion: z.literal(CLOUDEVENTS_SPECVERSION),
    // Well-formed: the id is an inbox key, and a lone surrogate comes back from Postgres as U+FFFD, so a consumer
    // matching what it claimed against what it sent would take the event for a duplicate and drop it.
    id: z
      .string()
      .min(1)
      .max(200)
      .refine((id) => !LONE_SURROGATE.test(id), 'must be well-formed UTF-16 (no lone surrogate)'),
    source: z.string().regex(/^firebreak\/[a-z-]+$/, 'must be firebreak/<app>'),
    type: z.literal(type),
    time: z.iso.datetime({ offset: true }),
    subject: z.string().max(500).optional(),
    datacontenttype: z.literal('application/json').optional(),
    dataschema: z.string().optional(),
    data,
  });
}

export interface CloudEvent<T> {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string;
  subject?: string;
  datacontenttype?: 'application/json';
  dataschema?: string;
  data: T;
}
