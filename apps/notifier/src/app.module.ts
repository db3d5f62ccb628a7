import { Module } from '@nestjs/common';
import { PlatformModule } from '@firebreak/platform';
import { NotifierModule } from './notifier.module';
import { SERVICE } from './service';

@Module({ imports: [PlatformModule.forService(SERVICE), NotifierModule.register()] })
export class AppModule {}
