import { Module } from '@nestjs/common';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { SilencesModule } from '../silences/silences.module';
import { EscalationPoller } from './escalation.poller';

/**
 * The poller that fires due escalation timers. Its own feature, apart from `escalation/` (the
 * policy), because it obeys the silences in force and `silences/` already builds on the policy.
 */
@Module({
  imports: [LifecycleModule, SilencesModule],
  providers: [EscalationPoller],
})
export class EscalationTimersModule {}
