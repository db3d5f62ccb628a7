import { Module } from '@nestjs/common';
import { CONFIG, LOGGER } from '@firebreak/platform';
import type { Logger } from 'pino';
import { NotifierConfig } from '../service';
import { ChannelRegistry } from './channel-registry';
import { processEnvironment } from './environment';

/** channels.yaml: its channels and routes, read (and checked) once at start. */
@Module({
  providers: [
    {
      provide: ChannelRegistry,
      useFactory: (config: NotifierConfig, logger: Logger) =>
        ChannelRegistry.load(config.FIREBREAK_CONFIG_DIR, config.FIREBREAK_CHANNELS_FILE, processEnvironment(), logger),
      inject: [CONFIG, LOGGER],
    },
  ],
  exports: [ChannelRegistry],
})
export class ChannelConfigModule {}
