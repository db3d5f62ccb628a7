import { Module } from '@nestjs/common';
import { ConsoleHealthController } from './console-health.controller';
import { ConsoleHealthService } from './console-health.service';

@Module({ controllers: [ConsoleHealthController], providers: [ConsoleHealthService] })
export class ConsoleHealthModule {}
