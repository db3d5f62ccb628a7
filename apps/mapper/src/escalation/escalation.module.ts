import { Module } from '@nestjs/common';
import { CONFIG } from '@firebreak/platform';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { MapperConfig } from '../service';
import { ESCALATION_POLICY, loadEscalationPolicy } from './escalation-config';
import { EscalationPoller } from './escalation.poller';

/** The escalation policy (config/escalation.yaml, loaded and checked once at start) and the poller that fires due timers. */
@Module({
  imports: [LifecycleModule],
  providers: [
    {
      provide: ESCALATION_POLICY,
      useFactory: (config: MapperConfig) => loadEscalationPolicy(config.FIREBREAK_CONFIG_DIR),
      inject: [CONFIG],
    },
    EscalationPoller,
  ],
  exports: [ESCALATION_POLICY],
})
export class EscalationModule {}
