import { z } from 'zod';

export const ChannelNameSchema = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'must be a channel name from channels.yaml');

export const TestMessageSchema = z.strictObject({ text: z.string().min(1).max(1000).optional() }).default({});
export type TestMessage = z.infer<typeof TestMessageSchema>;
