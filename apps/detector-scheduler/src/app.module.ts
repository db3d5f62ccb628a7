import { Module } from '@nestjs/common';
import { PlatformModule } from '@firebreak/platform';
import { SERVICE } from './service';

@Module({ imports: [PlatformModule.forService(SERVICE)] })
export class AppModule {}
