import { Module } from '@nestjs/common';
import { PlatformModule } from '@firebreak/platform';
import { AlertsModule } from './alerts/alerts.module';
import { CoreModule } from './core/core.module';
import { EscalationModule } from './escalation/escalation.module';
import { MappingsModule } from './mappings/mappings.module';
import { RunbooksModule } from './runbooks/runbooks.module';
import { SERVICE } from './service';
import { SilencesModule } from './silences/silences.module';

@Module({ imports: [PlatformModule.forService(SERVICE), CoreModule, AlertsModule, SilencesModule, MappingsModule, EscalationModule, RunbooksModule] })
export class AppModule {}
