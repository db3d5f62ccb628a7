import { Module } from '@nestjs/common';
import { ExecutionsModule } from '../executions/executions.module';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { DrillsController } from './drills.controller';
import { DrillsService } from './drills.service';

@Module({
  imports: [LifecycleModule, ExecutionsModule],
  controllers: [DrillsController],
  providers: [DrillsService],
})
export class DrillsModule {}
