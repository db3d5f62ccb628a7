import { Body, Controller, Headers, HttpCode, Post, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Public } from '@firebreak/platform';
import { rawFormBody } from './form-body.parser';
import { SlackInteractions } from './slack-interactions';
import { TelegramUpdates } from './telegram-updates';

/** Where Slack and Telegram deliver button presses. Public: each authenticates by its provider's secret instead of a token. */
@ApiTags('chat')
@Controller('api/v1/chat')
export class ChatController {
  constructor(
    private readonly slack: SlackInteractions,
    private readonly telegram: TelegramUpdates,
  ) {}

  @Post('slack/interactions')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Slack interactivity request URL: X-Slack-Signature (v0 HMAC of the raw body) and a timestamp within 5 minutes are checked (401 otherwise); a button press becomes a request on the bus, and the presser gets an ephemeral reply',
  })
  async slackInteraction(
    @Req() request: FastifyRequest,
    @Headers('x-slack-request-timestamp') timestamp: string | undefined,
    @Headers('x-slack-signature') signature: string | undefined,
  ): Promise<void> {
    await this.slack.handle(rawFormBody(request), timestamp, signature);
  }

  @Post('telegram/webhook')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Telegram webhook (set at start with setWebhook): X-Telegram-Bot-Api-Secret-Token is checked (401 otherwise); a callback_query becomes a request on the bus and is answered with answerCallbackQuery; other updates are ignored',
  })
  async telegramUpdate(
    @Headers('x-telegram-bot-api-secret-token') secret: string | undefined,
    @Query('channel') channel: string | undefined,
    @Body() body: unknown,
  ): Promise<void> {
    await this.telegram.handle(secret, typeof channel === 'string' ? channel : undefined, body);
  }
}
