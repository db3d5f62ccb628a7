import { Module } from '@nestjs/common';
import { PlatformModule } from '@firebreak/platform';
import { ChannelsModule } from './channels/channels.module';
import { ChatModule } from './chat/chat.module';
import { DeliveryModule } from './delivery/delivery.module';
import { HistoryModule } from './history/history.module';
import { IntakeModule } from './intake/intake.module';
import { SERVICE } from './service';

@Module({ imports: [PlatformModule.forService(SERVICE), IntakeModule, DeliveryModule, HistoryModule, ChannelsModule, ChatModule] })
export class AppModule {}
