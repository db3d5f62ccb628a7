import { Module } from '@nestjs/common';
import { CONFIG } from '@firebreak/platform';
import { MapperConfig } from '../service';
import { ESCALATION_POLICY, loadEscalationPolicy } from './escalation-config';

/** The escalation policy (config/escalation.yaml, loaded and checked once at start); `escalation-timers/` fires the timers. */
@Module({
  providers: [
    {
      provide: ESCALATION_POLICY,
      useFactory: (config: MapperConfig) => loadEscalationPolicy(config.FIREBREAK_CONFIG_DIR),
      inject: [CONFIG],
    },
  ],
  exports: [ESCALATION_POLICY],
})
export class EscalationModule {}
