import { Module } from '@nestjs/common';
import { IntakeModule } from '../intake/intake.module';
import { CustomAlertsController } from './custom-alerts.controller';
import { CustomAlertsService } from './custom-alerts.service';

@Module({ imports: [IntakeModule], controllers: [CustomAlertsController], providers: [CustomAlertsService] })
export class CustomAlertsModule {}
