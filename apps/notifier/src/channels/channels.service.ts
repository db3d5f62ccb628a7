import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { deriveEventId, Severity, severityFromLabel } from '@firebreak/contracts';
import { ApiPrincipal, AppError, Clock, CLOCK, CONFIG } from '@firebreak/platform';
import { ChannelRegistry, ChannelView } from '../channel-config/channel-registry';
import { DeliveryService, NewDelivery } from '../delivery/delivery.service';
import { DeliveryRecord, HistoryService } from '../history/history.service';
import { testNotification } from '../notifications/from-events';
import { NotifierConfig } from '../service';
import { RouteTrace, traceRoutes } from './route-trace';

export interface RoutesTestResult extends RouteTrace {
  severity: Severity;
  /** Each channel the routes picked, enabled or not and why; an unknown name is reported, not sent to. */
  channelStates: Array<{ name: string; type?: string; enabled: boolean; disabledReason?: string }>;
}

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
    private readonly delivery: DeliveryService,
    private readonly history: HistoryService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CONFIG) private readonly config: NotifierConfig,
  ) {}

  async list(): Promise<{ channels: Array<ChannelView & { pending: number }>; routes: ReturnType<ChannelRegistry['routesView']> }> {
    const pending = await this.delivery.pendingByChannel();
    return {
      channels: this.registry.all().map((channel) => ({ ...this.registry.view(channel), pending: pending.get(channel.name) ?? 0 })),
      routes: this.registry.routesView(),
    };
  }

  /** Where an alert with these labels would be announced, route by route; nothing is sent. */
  testRoutes(labels: Record<string, string>, severity: Severity | undefined): RoutesTestResult {
    const effective = severity ?? severityFromLabel(labels.severity);
    // ChannelRegistry keeps the parsed routes to itself; read them until it offers an accessor.
    const trace = traceRoutes(this.registry.routes(), labels, effective);
    const channelStates = trace.channels.map((name) => {
      const channel = this.registry.get(name);
      if (!channel) return { name, enabled: false, disabledReason: 'not defined in channels.yaml' };
      const view = this.registry.view(channel);
      return { name, type: view.type, enabled: view.enabled, ...(view.disabledReason ? { disabledReason: view.disabledReason } : {}) };
    });
    return { severity: effective, ...trace, channelStates };
  }

  /**
   * Queues a test notification to every target of the channel, like any other delivery (rate
   * limit, retries, history), and waits a little for the answers so the caller sees them.
   */
  async sendTest(name: string, principal: ApiPrincipal, text: string | undefined): Promise<TestResult> {
    const channel = this.registry.get(name);
    if (!channel) throw new AppError('not_found', `channel ${name} is not defined in channels.yaml`, 404);
    if (!channel.enabled) throw new AppError('channel_disabled', `channel ${name} is disabled: ${channel.disabledReason}`, 409);
    const testId = randomUUID();
    const now = this.clock.now();
    const notification = testNotification(name, principal.name, text, testId, now);
    const rows: NewDelivery[] = channel.targets.map((target) => ({
      id: deriveEventId('delivery', testId, name, target),
      announcementId: testId,
      announcementSubject: 'notifier.test',
      channel: name,
      channelType: channel.type,
      target,
      kind: 'test',
      severity: 'info',
      title: notification.title,
      content: notification,
      status: 'pending',
      receivedAt: now,
      orderedAt: now,
    }));
    await this.delivery.queue(rows, now, {
      actor: principal.name,
      action: 'channel.test',
      target: name,
      details: { testId, targets: channel.targets },
    });
    return this.awaitAnswers(
      testId,
      rows.map((row) => row.id),
    );
  }

  // Real time, not the clock: this bounds how long an HTTP request waits for real provider answers.
  private async awaitAnswers(testId: string, ids: string[]): Promise<TestResult> {
    const deadline = Date.now() + this.config.FIREBREAK_NOTIFY_HTTP_TIMEOUT_MS + 2_000;
    for (;;) {
      const deliveries = await this.history.getMany(ids);
      const settled = deliveries.every((d) => d.status !== 'pending');
      if (settled || Date.now() >= deadline) return { testId, settled, deliveries };
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
