import { Module } from '@nestjs/common';
import { CONFIG } from '@firebreak/platform';
import { SloConfig } from '../service';
import { loadSloFile } from './slo-config';
import { SloCatalog } from './slo-catalog';

/** Leaf: the SLOs of slos.yaml, loaded and validated once at start (a bad file stops the service). */
@Module({
  providers: [
    {
      provide: SloCatalog,
      inject: [CONFIG],
      useFactory: (config: SloConfig) => new SloCatalog(loadSloFile(config.FIREBREAK_CONFIG_DIR, config.FIREBREAK_SLO_FILE)),
    },
  ],
  exports: [SloCatalog],
})
export class DefinitionsModule {}
