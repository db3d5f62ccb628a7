import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { deriveEventId } from '@firebreak/contracts';
import { ApiPrincipal, AppError, AuditLog, CONFIG } from '@firebreak/platform';
import { CLOCK, Clock } from '../clock';
import { testNotification } from '../messages/from-events';
import { DeliveriesRepository } from '../notifications/deliveries.repository';
import { DeliveriesQueryRepository, DeliveryRecord } from '../notifications/deliveries-query.repository';
import { DeliveryWorker } from '../notifications/delivery-worker';
import { NotifierConfig } from '../service';
import { ChannelRegistry, ChannelView } from './channel-registry';

export interface TestResult {
  testId: string;
  /** True once every target answered; false while a rate limit or retry still holds one back. */
  settled: boolean;
  deliveries: DeliveryRecord[];
}

@Injectable()
export class ChannelsService {
  constructor(
    private readonly registry: ChannelRegistry,
    private readonly dataSource: DataSource,
    private readonly deliveries: DeliveriesRepository,
    private readonly query: DeliveriesQueryRepository,
    private readonly audit: AuditLog,
    private readonly worker: DeliveryWorker,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CONFIG) private readonly config: NotifierConfig,
  ) {}

  async list(): Promise<{ channels: Array<ChannelView & { pending: number }>; routes: ReturnType<ChannelRegistry['routesView']> }> {
    const pending = await this.query.pendingByChannel();
    return {
      channels: this.registry.all().map((channel) => ({ ...this.registry.view(channel), pending: pending.get(channel.name) ?? 0 })),
      routes: this.registry.routesView(),
    };
  }

  /**
   * Queues a test message to every target of the channel, like any other delivery (rate limit,
   * retries, history), and waits a little for the answers so the caller sees them.
   */
  async sendTest(name: string, principal: ApiPrincipal, text: string | undefined): Promise<TestResult> {
    const channel = this.registry.get(name);
    if (!channel) throw new AppError('not_found', `channel ${name} is not defined in channels.yaml`, 404);
    if (!channel.enabled) throw new AppError('channel_disabled', `channel ${name} is disabled: ${channel.disabledReason}`, 409);
    const testId = randomUUID();
    const now = this.clock.now();
    const notification = testNotification(name, principal.name, text, testId, now);
    const rows = channel.targets.map((target) => ({
      id: deriveEventId('delivery', testId, name, target),
      announcementId: testId,
      announcementSubject: 'notifier.test',
      channel: name,
      channelType: channel.type,
      target,
      kind: 'test' as const,
      severity: 'info' as const,
      title: notification.title,
      content: notification,
      status: 'pending' as const,
      receivedAt: now,
      orderedAt: now,
    }));
    await this.dataSource.transaction(async (manager) => {
      await this.deliveries.insert(manager, rows, now);
      await this.audit.record({ actor: principal.name, action: 'channel.test', target: name, details: { testId, targets: channel.targets } }, manager);
    });
    this.worker.wake([name]);
    return this.awaitAnswers(testId, rows.map((row) => row.id));
  }

  private async awaitAnswers(testId: string, ids: string[]): Promise<TestResult> {
    const deadline = Date.now() + this.config.FIREBREAK_NOTIFY_HTTP_TIMEOUT_MS + 2_000;
    for (;;) {
      const deliveries = await this.query.getMany(ids);
      const settled = deliveries.every((d) => d.status !== 'pending');
      if (settled || Date.now() >= deadline) return { testId, settled, deliveries };
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
