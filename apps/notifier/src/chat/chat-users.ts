import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { describeZodError } from '@firebreak/contracts';
import { ConfigError } from '@firebreak/platform';

const role = z.enum(['viewer', 'operator', 'admin']);
const name = z.string().min(1).max(200);
const SlackUserSchema = z.strictObject({
  id: z.string().regex(/^[UW][A-Z0-9]{2,30}$/, 'must be a Slack user id such as U0123ABCD'),
  name,
  role,
});
const TelegramUserSchema = z.strictObject({
  // Telegram user ids are positive integers (up to 52 bits); quoted ids are accepted too.
  id: z.union([z.number().int().positive(), z.string().regex(/^\d{1,16}$/, 'must be a Telegram user id (digits)')]).transform(String),
  name,
  role,
});
const ChatUsersFileSchema = z.strictObject({
  slack: z
    .array(SlackUserSchema)
    .nullish()
    .transform((v) => v ?? []),
  telegram: z
    .array(TelegramUserSchema)
    .nullish()
    .transform((v) => v ?? []),
});

export type ChatVia = 'slack' | 'telegram';
export interface ChatUser {
  id: string;
  name: string;
  role: z.infer<typeof role>;
}

/** config/chat-users.yaml: which chat user is which Firebreak person, with which role. Read once at start. */
export class ChatUsers {
  private readonly byKey: Map<string, ChatUser>;

  constructor(users: { slack: ChatUser[]; telegram: ChatUser[] }) {
    this.byKey = new Map([
      ...users.slack.map((user): [string, ChatUser] => [`slack:${user.id}`, user]),
      ...users.telegram.map((user): [string, ChatUser] => [`telegram:${user.id}`, user]),
    ]);
  }

  /** A missing file maps nobody (every press is refused); a broken one stops start-up. */
  static load(dir: string, file: string): ChatUsers {
    const path = resolve(dir, file);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new ChatUsers({ slack: [], telegram: [] });
      throw new ConfigError([`${path}: cannot read (${(error as Error).message})`]);
    }
    return ChatUsers.parse(text, path);
  }

  static parse(text: string, path: string): ChatUsers {
    const document = parseDocument(text);
    if (document.errors.length > 0) throw new ConfigError(document.errors.map((error) => `${path}: ${error.message}`));
    const parsed = ChatUsersFileSchema.safeParse(document.toJS() ?? {});
    if (!parsed.success) throw new ConfigError(describeZodError(parsed.error).map((issue) => `${path}: ${issue}`));
    const problems: string[] = [];
    for (const via of ['slack', 'telegram'] as const) {
      const seen = new Set<string>();
      parsed.data[via].forEach((user, index) => {
        if (seen.has(user.id)) problems.push(`${path}: ${via}[${index}] (${user.name}): the id ${user.id} is listed twice`);
        seen.add(user.id);
      });
    }
    if (problems.length > 0) throw new ConfigError(problems);
    return new ChatUsers(parsed.data);
  }

  find(via: ChatVia, id: string): ChatUser | undefined {
    return this.byKey.get(`${via}:${id}`);
  }

  get size(): number {
    return this.byKey.size;
  }
}
