import { Module } from '@nestjs/common';
import { PlatformModule } from '@firebreak/platform';
import { AlertsModule } from './alerts/alerts.module';
import { EscalationModule } from './escalation/escalation.module';
import { EscalationTimersModule } from './escalation-timers/escalation-timers.module';
import { IntegrationStatusModule } from './integration-status/integration-status.module';
import { MappingsModule } from './mappings/mappings.module';
import { RunbooksModule } from './runbooks/runbooks.module';
import { SERVICE } from './service';
import { SilencesModule } from './silences/silences.module';

@Module({
  imports: [
    PlatformModule.forService(SERVICE),
    AlertsModule,
    SilencesModule,
    MappingsModule,
    EscalationModule,
    EscalationTimersModule,
    RunbooksModule,
    IntegrationStatusModule,
  ],
})
export class AppModule {}
