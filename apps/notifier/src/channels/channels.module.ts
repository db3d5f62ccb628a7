import { Module } from '@nestjs/common';
import { ChannelConfigModule } from '../channel-config/channel-config.module';
import { DeliveryModule } from '../delivery/delivery.module';
import { HistoryModule } from '../history/history.module';
import { ChannelsController } from './channels.controller';
import { ChannelsService } from './channels.service';
import { RoutesController } from './routes.controller';

/** The channels API: what channels.yaml configured (never a secret) with each queue, test notifications, and route tests. */
@Module({
  imports: [ChannelConfigModule, DeliveryModule, HistoryModule],
  controllers: [ChannelsController, RoutesController],
  providers: [ChannelsService],
})
export class ChannelsModule {}
