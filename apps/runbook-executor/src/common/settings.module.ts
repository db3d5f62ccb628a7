import { Module } from '@nestjs/common';
import { CONFIG } from '@firebreak/platform';
import type { ExecutorConfig } from '../service';
import { loadSettings, SETTINGS } from './settings';

/** automation.yaml, connections.yaml, services.yaml and FIREBREAK_RUNBOOK_VARS, loaded (and checked) once at start. */
@Module({
  providers: [{ provide: SETTINGS, useFactory: (config: ExecutorConfig) => loadSettings(config), inject: [CONFIG] }],
  exports: [SETTINGS],
})
export class SettingsModule {}
