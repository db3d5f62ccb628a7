import { Module } from '@nestjs/common';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { MappingsModule } from '../mappings/mappings.module';
import { SilencesModule } from '../silences/silences.module';
import { AlertActionsService } from './alert-actions.service';
import { AlertIngestService } from './alert-ingest.service';
import { AlertsQueryService } from './alerts-query.service';
import { AlertsConsumer } from './alerts.consumer';
import { AlertsController } from './alerts.controller';

@Module({
  imports: [LifecycleModule, SilencesModule, MappingsModule],
  controllers: [AlertsController],
  providers: [AlertIngestService, AlertsConsumer, AlertActionsService, AlertsQueryService],
})
export class AlertsModule {}
