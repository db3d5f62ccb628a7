import { Module } from '@nestjs/common';
import { ChatUsers } from '@firebreak/contracts';
import { CONFIG, loadChatUsers } from '@firebreak/platform';
import { ChannelConfigModule } from '../channel-config/channel-config.module';
import { NotifierConfig } from '../service';
import { ChatController } from './chat.controller';
import { ChatReplies } from './chat-replies';
import { chatSettings } from './chat-settings';
import { ChatRepository } from './chat.repository';
import { ChatService } from './chat.service';
import { CHAT_SETTINGS } from './chat.tokens';
import { FormBodyParser } from './form-body.parser';
import { SlackInteractions } from './slack-interactions';
import { TelegramUpdates } from './telegram-updates';
import { ChatStartup } from './chat-startup';

/** Buttons pressed in Slack and Telegram → requests on the bus (commands.approval.decide, commands.alert.acknowledge). */
@Module({
  imports: [ChannelConfigModule],
  controllers: [ChatController],
  providers: [
    { provide: CHAT_SETTINGS, useFactory: (config: NotifierConfig) => chatSettings(config), inject: [CONFIG] },
    {
      provide: ChatUsers,
      useFactory: (config: NotifierConfig) => loadChatUsers(config),
      inject: [CONFIG],
    },
    ChatRepository,
    ChatService,
    ChatReplies,
    SlackInteractions,
    TelegramUpdates,
    ChatStartup,
    FormBodyParser,
  ],
})
export class ChatModule {}
