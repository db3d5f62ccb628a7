import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { AppError, Clock, CLOCK, LOGGER } from '@firebreak/platform';
import { describeZodError } from '@firebreak/contracts';
import { notifierMetrics } from '../metrics';
import { actionOfSlack } from '../providers/buttons';
import { verifySlackRequest } from './chat-auth';
import { SlackPayload, SlackPayloadSchema } from './chat-payloads';
import { ChatReplies } from './chat-replies';
import { ChatSettings } from './chat-settings';
import { CHAT_SETTINGS } from './chat.tokens';
import { ChatService } from './chat.service';

/** Slack's interactivity request URL: verify the signature, turn each Firebreak button into a press, reply to the presser. */
@Injectable()
export class SlackInteractions {
  constructor(
    @Inject(CHAT_SETTINGS) private readonly settings: ChatSettings,
    private readonly chat: ChatService,
    private readonly replies: ChatReplies,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async handle(rawBody: string | undefined, timestamp: string | undefined, signature: string | undefined): Promise<void> {
    const secret = this.settings.slack?.signingSecret;
    if (!secret) throw new AppError('not_configured', 'Slack interactivity is off: FIREBREAK_SLACK_SIGNING_SECRET is not set', 404);
    if (rawBody === undefined)
      throw new AppError('unsupported_media_type', 'Slack sends interactions as application/x-www-form-urlencoded', 415);
    const verdict = verifySlackRequest({ secret, timestamp, signature, rawBody, nowMs: this.clock.now().getTime() });
    if (verdict !== 'ok') {
      notifierMetrics.chatPresses.inc({ via: 'slack', result: 'unauthenticated' });
      this.logger.warn({ verdict }, 'Slack interaction refused: signature not valid');
      throw new AppError('unauthorized', REFUSALS[verdict], 401);
    }
    const payload = parsePayload(rawBody);
    if (payload.type !== 'block_actions') return;
    for (const action of payload.actions) {
      const kind = actionOfSlack(action.action_id);
      // Buttons of other apps or other features: not ours to act on.
      if (!kind || action.value === undefined) continue;
      const outcome = await this.chat.press({
        via: 'slack',
        interactionId: `${payload.trigger_id ?? ''}|${action.action_ts ?? ''}|${action.action_id}`,
        chatUserId: payload.user.id,
        action: kind,
        value: action.value,
      });
      if (outcome.reply && payload.response_url) void this.replies.slack(payload.response_url, outcome.reply);
    }
  }
}

const REFUSALS = {
  missing: 'X-Slack-Request-Timestamp and X-Slack-Signature are required',
  stale: 'the request timestamp is more than 5 minutes from now (a replay is refused)',
  forged: 'X-Slack-Signature does not match the body',
} as const;

function parsePayload(rawBody: string): SlackPayload {
  const text = new URLSearchParams(rawBody).get('payload');
  if (text === null) throw new AppError('invalid_payload', 'the form body has no payload field', 400);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AppError('invalid_payload', 'payload is not JSON', 400);
  }
  const parsed = SlackPayloadSchema.safeParse(json);
  if (!parsed.success) throw new AppError('invalid_payload', 'payload is not a Slack interaction', 400, describeZodError(parsed.error));
  return parsed.data;
}
