import { z } from 'zod';

/**
 * Names and comments from a chat end up in audit rows and messages: no NUL (Postgres refuses it, so the
 * request would be retried and dead-lettered) and no other control character (a forged line break in a log).
 * Tabs and line breaks stay allowed where people write prose (`multiline`).
 */
export function chatText(min: number, max: number, options: { multiline?: boolean } = {}) {
  const allowed = options.multiline ? new Set([9, 10, 13]) : new Set<number>();
  const isControl = (code: number) => (code < 32 || code === 127) && !allowed.has(code);
  return z
    .string()
    .min(min)
    .max(max)
    .refine((value) => ![...value].some((char) => isControl(char.charCodeAt(0))), 'must not contain NUL or other control characters');
}

export const ChatRoleSchema = z.enum(['viewer', 'operator', 'admin']);
export const ChatViaSchema = z.enum(['slack', 'telegram']);
export type ChatVia = z.infer<typeof ChatViaSchema>;

// The person's Firebreak name: it must equal their API token's name (FIREBREAK_API_TOKENS token:role:name),
// or the executor's separation-of-duties rule cannot tell that they started the run they approve.
const name = chatText(1, 200);
const SlackUserSchema = z.strictObject({
  id: z.string().regex(/^[UW][A-Z0-9]{2,30}$/, 'must be a Slack user id such as U0123ABCD'),
  name,
  role: ChatRoleSchema,
});
const TelegramUserSchema = z.strictObject({
  // Telegram user ids are positive integers (up to 52 bits); quoted ids are accepted too.
  id: z.union([z.number().int().positive(), z.string().regex(/^\d{1,16}$/, 'must be a Telegram user id (digits)')]).transform(String),
  name,
  role: ChatRoleSchema,
});
const users = <T extends z.ZodType<ChatUser>>(schema: T) =>
  z
    .array(schema)
    .nullish()
    .transform((v) => v ?? [])
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((user, index) => {
        if (seen.has(user.id)) ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `${user.id} (${user.name}) is listed twice` });
        seen.add(user.id);
      });
    });

/** config/chat-users.yaml: which chat user is which Firebreak person, with which role. */
export const ChatUsersFileSchema = z.strictObject({
  slack: users(SlackUserSchema),
  telegram: users(TelegramUserSchema),
});

export interface ChatUser {
  id: string;
  name: string;
  role: z.infer<typeof ChatRoleSchema>;
}

/**
 * The chat users by chat and id. The notifier, the executor and the mapper each read the same file: a
 * request on the bus is decided as the person this file names, never as the name and role it carries.
 */
export class ChatUsers {
  private readonly byKey: Map<string, ChatUser>;

  constructor(file: { slack: ChatUser[]; telegram: ChatUser[] }) {
    this.byKey = new Map([
      ...file.slack.map((user): [string, ChatUser] => [`slack:${user.id}`, user]),
      ...file.telegram.map((user): [string, ChatUser] => [`telegram:${user.id}`, user]),
    ]);
  }

  find(via: ChatVia, id: string): ChatUser | undefined {
    return this.byKey.get(`${via}:${id}`);
  }

  get size(): number {
    return this.byKey.size;
  }
}
