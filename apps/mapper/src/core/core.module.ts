import { Global, Module } from '@nestjs/common';
import { CONFIG } from '@firebreak/platform';
import { loadEscalationPolicy } from '../escalation/escalation-config';
import { loadFileMappings } from '../mappings/mapping-config';
import { MapperConfig } from '../service';
import { Clock } from './clock';

export const FILE_MAPPINGS = Symbol('mapper:file-mappings');
export const ESCALATION_POLICY = Symbol('mapper:escalation-policy');

/** What every feature reads: the clock and the two YAML files, loaded (and checked) once at start. */
@Global()
@Module({
  providers: [
    Clock,
    { provide: FILE_MAPPINGS, useFactory: (config: MapperConfig) => loadFileMappings(config.FIREBREAK_CONFIG_DIR), inject: [CONFIG] },
    { provide: ESCALATION_POLICY, useFactory: (config: MapperConfig) => loadEscalationPolicy(config.FIREBREAK_CONFIG_DIR), inject: [CONFIG] },
  ],
  exports: [Clock, FILE_MAPPINGS, ESCALATION_POLICY],
})
export class CoreModule {}
