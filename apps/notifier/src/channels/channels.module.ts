import { Module } from '@nestjs/common';
import { ChannelConfigModule } from '../channel-config/channel-config.module';
import { DeliveryModule } from '../delivery/delivery.module';
import { HistoryModule } from '../history/history.module';
import { ChannelsController } from './channels.controller';
import { ChannelsService } from './channels.service';

/** The channels API: what channels.yaml configured (never a secret) with each queue, and test notifications. */
@Module({
  imports: [ChannelConfigModule, DeliveryModule, HistoryModule],
  controllers: [ChannelsController],
  providers: [ChannelsService],
})
export class ChannelsModule {}
