import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { Clock, CLOCK, CONFIG, LOGGER, Poller } from '@firebreak/platform';
import { DETECTORS, DetectorCatalog, Detector } from '../definitions/detector-config';
import { DetectorConfig } from '../service';
import { DetectorRunsService, RunRecord, TickResult } from './detector-runs.service';
import { RunsRepository } from './runs.repository';

const PRUNE_EVERY_MS = 3_600_000;

/**
 * Every poll, each enabled detector whose current tick this replica has not seen settled is run
 * (at most FIREBREAK_DETECTOR_CONCURRENCY at once, one per detector). A tick is settled only once it
 * is stored (by this replica or another): a tick another replica holds ('busy') stays due here, so if
 * that replica dies mid-check its claim expires and the tick is run by whoever polls next. Only the
 * latest tick is run: ticks missed while no replica ran are skipped, not replayed in a burst. A run
 * that failed to store (Postgres away) is tried again on the next poll, while its tick is still the
 * current one. Each poll first resolves alerts that no longer belong to a definition (the first poll
 * runs at start-up).
 */
@Injectable()
export class DetectorScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly poller: Poller;
  private readonly settled = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<TickResult | null>>();
  private lastPrune = 0;
  /** Runs stored since runDue last asked (a test's view); bounded so a replica nobody asks never grows it. */
  private readonly stored: RunRecord[] = [];

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

  /**
   * Starts the due runs and waits for every run in flight: what tests call after moving the clock.
   * Returns the runs this replica stored since the last call, including those of a poll that was
   * already under way (the one at start-up), which a snapshot of the runs in flight could miss.
   */
  async runDue(): Promise<RunRecord[]> {
    await this.poller.tickNow();
    await Promise.allSettled([...this.inFlight.values()]);
    // In the order of detectors.yaml (then tick), not of completion: a stable answer.
    const order = (record: RunRecord) => this.catalog.detectors.indexOf(record.detector);
    return this.stored.splice(0).sort((a, b) => order(a) - order(b) || a.tick.getTime() - b.tick.getTime());
  }

  private async poll(): Promise<void> {
    try {
      const resolved = await this.runs.resolveStaleAlerts();
      if (resolved > 0) this.logger.info({ resolved }, 'alerts of removed, disabled or relabelled detectors resolved');
    } catch (error) {
      // Runs go on; the sweep is tried again on the next poll.
      this.logger.warn({ err: error }, 'stale detector alerts not resolved yet');
    }
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
      .then((result) => {
        // 'busy': another replica's claim is live; not settled, so it is asked again on the next poll.
        if (result.kind !== 'busy') this.settled.set(detector.id, tick.getTime());
        if (result.kind === 'stored' && this.stored.push(result.record) > 1_000) this.stored.shift();
        return result;
      })
      .catch((error: unknown) => {
        this.logger.warn({ err: error, detector: detector.id, tick }, 'detector run not stored; tried again on the next poll');
        return null;
      })
      .finally(() => this.inFlight.delete(detector.id));
    this.inFlight.set(detector.id, running);
  }
}
