import { Module } from '@nestjs/common';
import { CONFIG } from '@firebreak/platform';
import { MapperConfig } from '../service';
import { FILE_MAPPINGS, loadFileMappings } from './mapping-config';
import { MappingResolver } from './mapping-resolver.service';
import { MappingsController } from './mappings.controller';
import { MappingsRepository } from './mappings.repository';
import { MappingsService } from './mappings.service';

/** Alert → runbook mappings: config/mappings.yaml (loaded and checked once at start), runtime ones in Postgres, and their API. */
@Module({
  controllers: [MappingsController],
  providers: [
    { provide: FILE_MAPPINGS, useFactory: (config: MapperConfig) => loadFileMappings(config.FIREBREAK_CONFIG_DIR), inject: [CONFIG] },
    MappingsRepository,
    MappingResolver,
    MappingsService,
  ],
  exports: [MappingResolver, MappingsService],
})
export class MappingsModule {}
