import { Module } from '@nestjs/common';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { MappingsModule } from '../mappings/mappings.module';
import { SilenceLookup } from './silence-lookup';
import { SilenceEffects } from './silence-effects';
import { SilenceSweeper } from './silence-sweeper';
import { SilencesController } from './silences.controller';
import { SilencesRepository } from './silences.repository';
import { SilencesService } from './silences.service';

@Module({
  imports: [LifecycleModule, MappingsModule],
  controllers: [SilencesController],
  providers: [SilencesRepository, SilenceLookup, SilenceEffects, SilencesService, SilenceSweeper],
  exports: [SilenceLookup],
})
export class SilencesModule {}
