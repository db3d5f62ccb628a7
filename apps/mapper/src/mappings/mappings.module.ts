import { Module } from '@nestjs/common';
import { MappingResolver } from './mapping-resolver.service';
import { MappingsController } from './mappings.controller';
import { MappingsRepository } from './mappings.repository';
import { MappingsService } from './mappings.service';

@Module({
  controllers: [MappingsController],
  providers: [MappingsRepository, MappingResolver, MappingsService],
  exports: [MappingResolver, MappingsService],
})
export class MappingsModule {}
