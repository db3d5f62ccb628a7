import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { Clock, CLOCK, CONFIG, LOGGER, Poller } from '@firebreak/platform';
import { DETECTORS, DetectorCatalog, Detector } from '../definitions/detector-config';
import { DetectorConfig } from '../service';
import { DetectorRunsService, RunRecord } from './detector-runs.service';
import { RunsRepository } from './runs.repository';

const PRUNE_EVERY_MS = 3_600_000;

/**
 * Every poll, each enabled detector whose current tick this replica has not seen settled is run
 * (at most FIREBREAK_DETECTOR_CONCURRENCY at once, one per detector). Only the latest tick is run:
 * ticks missed while no replica ran are skipped, not replayed in a burst. A run that failed to
 * store (Postgres away) is tried again on the next poll, while its tick is still the current one.
 */
@Injectable()
export class DetectorScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly poller: Poller;
  private readonly settled = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<RunRecord | null>>();
  private lastPrune = 0;

  constructor(
    private readonly runs: DetectorRunsService,
    private readonly repository: RunsRepository,
    private readonly dataSource: DataSource,
    @Inject(DETECTORS) private readonly catalog: DetectorCatalog,
    @Inject(CONFIG) private readonly config: DetectorConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.poller = new Poller({ name: 'detectors', intervalMs: config.FIREBREAK_DETECTOR_POLL_MS, tick: () => this.poll(), logger });
  }

  onApplicationBootstrap(): void {
    const enabled = this.catalog.detectors.filter((d) => d.enabled);
    this.logger.info(
      {
        detectors: enabled.map((d) => `${d.id} (${d.type}, ${d.schedule.describe()})`),
        disabled: this.catalog.detectors.length - enabled.length,
      },
      'detectors loaded',
    );
    this.poller.start();
    void this.poller.tickNow();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.poller.stop();
    await Promise.allSettled(this.inFlight.values());
  }

  /** Starts the due runs and waits for every run in flight: what tests call after moving the clock. */
  async runDue(): Promise<RunRecord[]> {
    await this.poller.tickNow();
    const results = await Promise.allSettled([...this.inFlight.values()]);
    return results.flatMap((result) => (result.status === 'fulfilled' && result.value ? [result.value] : []));
  }

  private async poll(): Promise<void> {
    const now = this.clock.now();
    for (const detector of this.catalog.detectors) {
      if (!detector.enabled || this.inFlight.has(detector.id)) continue;
      if (this.inFlight.size >= this.config.FIREBREAK_DETECTOR_CONCURRENCY) break;
      const tick = detector.schedule.currentTick(now);
      if (!tick || (this.settled.get(detector.id) ?? -Infinity) >= tick.getTime()) continue;
      this.start(detector, tick);
    }
    if (now.getTime() - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = now.getTime();
      const pruned = await this.repository.prune(
        this.dataSource.manager,
        new Date(now.getTime() - this.config.FIREBREAK_DETECTOR_RUN_RETENTION),
      );
      if (pruned > 0) this.logger.info({ pruned }, 'old detector runs deleted');
    }
  }

  private start(detector: Detector, tick: Date): void {
    const running = this.runs
      .runTick(detector, tick)
      .then((record) => {
        this.settled.set(detector.id, tick.getTime());
        return record;
      })
      .catch((error: unknown) => {
        this.logger.warn({ err: error, detector: detector.id, tick }, 'detector run not stored; tried again on the next poll');
        return null;
      })
      .finally(() => this.inFlight.delete(detector.id));
    this.inFlight.set(detector.id, running);
  }
}
