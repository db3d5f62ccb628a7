import { Module } from '@nestjs/common';
import { SettingsModule } from '../common/settings.module';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { ApprovalsController } from './approvals.controller';
import { ApprovalsRepository } from './approvals.repository';
import { ApprovalsService } from './approvals.service';

/** Approvals a step waits for: asked for by the worker, decided by a person or by expiry. */
@Module({
  imports: [SettingsModule, LifecycleModule],
  controllers: [ApprovalsController],
  providers: [ApprovalsRepository, ApprovalsService],
  exports: [ApprovalsRepository, ApprovalsService],
})
export class ApprovalsModule {}
