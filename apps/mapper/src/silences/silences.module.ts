import { Module } from '@nestjs/common';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { MappingsModule } from '../mappings/mappings.module';
import { SilenceCache } from './silence-cache';
import { SilenceEffects } from './silence-effects';
import { SilenceSweeper } from './silence-sweeper';
import { SilencesController } from './silences.controller';
import { SilencesRepository } from './silences.repository';
import { SilencesService } from './silences.service';

@Module({
  imports: [LifecycleModule, MappingsModule],
  controllers: [SilencesController],
  providers: [SilencesRepository, SilenceCache, SilenceEffects, SilencesService, SilenceSweeper],
  exports: [SilenceCache],
})
export class SilencesModule {}
