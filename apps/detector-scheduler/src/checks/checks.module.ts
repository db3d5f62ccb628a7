import { Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BusConnection, SubjectNames } from '@firebreak/bus';
import { CONFIG } from '@firebreak/platform';
import { DefinitionsModule } from '../definitions/definitions.module';
import { DETECTORS, DetectorCatalog } from '../definitions/detector-config';
import { HeartbeatsModule } from '../heartbeats/heartbeats.module';
import { HeartbeatsService } from '../heartbeats/heartbeats.service';
import { DetectorConfig } from '../service';
import { CheckRunner } from './check-runner';
import { ConnectionPools } from './connection-pools';
import { HeartbeatCheck } from './heartbeat.check';
import { HttpCheck } from './http.check';
import { NatsConsumerLagCheck } from './nats-consumer-lag.check';
import { PostgresSizeCheck } from './postgres-size.check';
import { PrometheusCheck } from './prometheus.check';
import { SqlCheck } from './sql.check';

@Injectable()
class PoolsShutdown implements OnApplicationShutdown {
  constructor(@Inject(ConnectionPools) private readonly pools: ConnectionPools) {}
  onApplicationShutdown(): Promise<void> {
    return this.pools.close();
  }
}

/** One check per detector type, behind the CheckRunner (timeouts, errors as outcomes). */
@Module({
  imports: [DefinitionsModule, HeartbeatsModule],
  providers: [
    { provide: ConnectionPools, useFactory: () => new ConnectionPools() },
    PoolsShutdown,
    {
      provide: CheckRunner,
      useFactory: (
        catalog: DetectorCatalog,
        config: DetectorConfig,
        dataSource: DataSource,
        pools: ConnectionPools,
        bus: BusConnection,
        subjects: SubjectNames,
        heartbeats: HeartbeatsService,
      ) =>
        new CheckRunner({
          http: new HttpCheck(),
          postgres_size: new PostgresSizeCheck(dataSource, pools, catalog.connections),
          nats_consumer_lag: new NatsConsumerLagCheck(bus, subjects),
          heartbeat: new HeartbeatCheck(heartbeats),
          sql: new SqlCheck(pools, catalog.connections),
          prometheus: new PrometheusCheck(config.PROMETHEUS_URL),
        }),
      inject: [DETECTORS, CONFIG, DataSource, ConnectionPools, BusConnection, SubjectNames, HeartbeatsService],
    },
  ],
  exports: [CheckRunner],
})
export class ChecksModule {}
