import { Module } from '@nestjs/common';
import { PlatformModule } from '@firebreak/platform';
import { ApiModule } from './api/api.module';
import { HeartbeatsModule } from './heartbeats/heartbeats.module';
import { RunsModule } from './runs/runs.module';
import { SERVICE } from './service';

@Module({ imports: [PlatformModule.forService(SERVICE), HeartbeatsModule, RunsModule, ApiModule] })
export class AppModule {}
