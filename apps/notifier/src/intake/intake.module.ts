import { Module } from '@nestjs/common';
import { ChannelConfigModule } from '../channel-config/channel-config.module';
import { DeliveryModule } from '../delivery/delivery.module';
import { IntakeConsumer } from './intake.consumer';
import { IntakeService } from './intake.service';

/** Announcements (alerts.notify, notifications.requested, runbooks.approval.requested) → deliveries. */
@Module({
  imports: [ChannelConfigModule, DeliveryModule],
  providers: [IntakeService, IntakeConsumer],
})
export class IntakeModule {}
