import { Module } from '@nestjs/common';
import { PlatformModule } from '@firebreak/platform';
import { EvaluationModule } from './evaluation/evaluation.module';
import { EventsModule } from './events/events.module';
import { OpsHealthModule } from './ops-health/ops-health.module';
import { ReportsModule } from './reports/reports.module';
import { SERVICE } from './service';

@Module({ imports: [PlatformModule.forService(SERVICE), EventsModule, EvaluationModule, ReportsModule, OpsHealthModule] })
export class AppModule {}
