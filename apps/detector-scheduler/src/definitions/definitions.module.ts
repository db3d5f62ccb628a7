import { Module } from '@nestjs/common';
import { CONFIG } from '@firebreak/platform';
import { DetectorConfig } from '../service';
import { DETECTORS, loadDetectors } from './detector-config';

/** Leaf: config/detectors.yaml, loaded and checked once at start. */
@Module({
  providers: [
    {
      provide: DETECTORS,
      useFactory: (config: DetectorConfig) =>
        loadDetectors({ configDir: config.FIREBREAK_CONFIG_DIR, databaseUrl: config.DATABASE_URL, prometheusUrl: config.PROMETHEUS_URL }),
      inject: [CONFIG],
    },
  ],
  exports: [DETECTORS],
})
export class DefinitionsModule {}
