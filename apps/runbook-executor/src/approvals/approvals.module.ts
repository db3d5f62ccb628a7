import { Module } from '@nestjs/common';
import { ChatUsers } from '@firebreak/contracts';
import { BaseServiceConfig, CONFIG, loadChatUsers } from '@firebreak/platform';
import { SettingsModule } from '../common/settings.module';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { ApprovalCommandsConsumer } from './approval-commands.consumer';
import { ApprovalsController } from './approvals.controller';
import { ApprovalsRepository } from './approvals.repository';
import { ApprovalsService } from './approvals.service';

/** Approvals a step waits for: asked for by the worker, decided by a person (API or chat request) or by expiry. */
@Module({
  imports: [SettingsModule, LifecycleModule],
  controllers: [ApprovalsController],
  providers: [
    ApprovalsRepository,
    ApprovalsService,
    ApprovalCommandsConsumer,
    // Who a chat request comes from: the same file the notifier checks presses against.
    { provide: ChatUsers, useFactory: (config: BaseServiceConfig) => loadChatUsers(config), inject: [CONFIG] },
  ],
  exports: [ApprovalsRepository, ApprovalsService],
})
export class ApprovalsModule {}
