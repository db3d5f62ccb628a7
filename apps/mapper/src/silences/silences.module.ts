import { Module } from '@nestjs/common';
import { EscalationModule } from '../escalation/escalation.module';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { MappingsModule } from '../mappings/mappings.module';
import { SilenceLookup } from './silence-lookup';
import { SilenceReader } from './silence-reader';
import { SilenceSweeper } from './silence-sweeper';
import { SilencedAlerts } from './silenced-alerts';
import { SilenceTransitions } from './silence-transitions';
import { CoveredAlertsRepository } from './covered-alerts.repository';
import { SilencesController } from './silences.controller';
import { SilencesRepository } from './silences.repository';
import { SilencesService } from './silences.service';

/** Alertmanager-style silences: their API, their effect on the alerts they cover, and the lookup alert ingest obeys. */
@Module({
  imports: [LifecycleModule, MappingsModule, EscalationModule],
  controllers: [SilencesController],
  providers: [
    SilencesRepository,
    CoveredAlertsRepository,
    SilenceReader,
    SilenceLookup,
    SilencedAlerts,
    SilenceTransitions,
    SilencesService,
    SilenceSweeper,
  ],
  exports: [SilenceLookup],
})
export class SilencesModule {}
