import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module';
import { HistoryController } from './history.controller';
import { HistoryRepository } from './history.repository';
import { HistoryService } from './history.service';

/** What went where: the delivery history API (`/api/v1/notifications`). */
@Module({
  imports: [DeliveryModule],
  controllers: [HistoryController],
  providers: [HistoryRepository, HistoryService],
  exports: [HistoryService],
})
export class HistoryModule {}
