import { z } from 'zod';

// Only the fields we read; Slack and Telegram add fields over time, so the rest is let through.
const SlackActionSchema = z.looseObject({
  action_id: z.string().max(255),
  value: z.string().max(2000).optional(),
  action_ts: z.string().max(100).optional(),
});

/** Slack's interactivity payload (`payload=<json>` in the form body); we act on `block_actions`. */
export const SlackPayloadSchema = z.looseObject({
  type: z.string(),
  user: z.looseObject({ id: z.string().min(1).max(64) }),
  trigger_id: z.string().max(200).optional(),
  response_url: z.url({ protocol: /^https?$/ }).optional(),
  actions: z.array(SlackActionSchema).max(25).default([]),
});
export type SlackPayload = z.infer<typeof SlackPayloadSchema>;

/** A Telegram update; we act on `callback_query` (a button press) and ignore the rest. */
export const TelegramUpdateSchema = z.looseObject({
  update_id: z.number().int(),
  callback_query: z
    .looseObject({
      id: z.string().min(1).max(200),
      from: z.looseObject({ id: z.number().int() }),
      data: z.string().max(256).optional(),
    })
    .optional(),
});
export type TelegramUpdate = z.infer<typeof TelegramUpdateSchema>;
