import { Module } from '@nestjs/common';
import { ChannelConfigModule } from '../channel-config/channel-config.module';
import { ProvidersModule } from '../providers/providers.module';
import { BacklogFolder } from './backlog-folder';
import { ClaimLeases } from './claim-leases';
import { AnalysisWaitsRepository } from './analysis-waits.repository';
import { DeliveriesRepository } from './deliveries.repository';
import { DeliveryHistoryRepository } from './delivery-history.repository';
import { DeliveryOutcomesRepository } from './delivery-outcomes.repository';
import { DeliveryDispatcher } from './delivery-dispatcher';
import { DeliveryService } from './delivery.service';
import { DeliveryWorker } from './delivery-worker';
import { OutcomeRecorder } from './outcome-recorder';
import { RateBucketsRepository } from './rate-buckets.repository';

/** The queue of deliveries: claimed per channel within its rate limit, sent, retried, folded, recorded. */
@Module({
  imports: [ChannelConfigModule, ProvidersModule],
  providers: [
    DeliveriesRepository,
    AnalysisWaitsRepository,
    DeliveryOutcomesRepository,
    DeliveryHistoryRepository,
    RateBucketsRepository,
    BacklogFolder,
    OutcomeRecorder,
    ClaimLeases,
    DeliveryDispatcher,
    DeliveryWorker,
    DeliveryService,
  ],
  exports: [DeliveryService],
})
export class DeliveryModule {}
