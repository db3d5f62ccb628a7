import { Module } from '@nestjs/common';
import { ApprovalsModule } from '../approvals/approvals.module';
import { VerificationModule } from '../verification/verification.module';
import { TimersPoller } from './timers.poller';

/** What fires on time rather than on an event: it calls each feature's own sweep. */
@Module({
  imports: [ApprovalsModule, VerificationModule],
  providers: [TimersPoller],
})
export class SchedulingModule {}
