import { Module } from '@nestjs/common';
import { CONFIG } from '@firebreak/platform';
import { ChannelConfigModule } from '../channel-config/channel-config.module';
import { NotifierConfig } from '../service';
import { ChatController } from './chat.controller';
import { ChatReplies } from './chat-replies';
import { chatSettings } from './chat-settings';
import { ChatUsers } from './chat-users';
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
      useFactory: (config: NotifierConfig) => ChatUsers.load(config.FIREBREAK_CONFIG_DIR, config.FIREBREAK_CHAT_USERS_FILE),
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
