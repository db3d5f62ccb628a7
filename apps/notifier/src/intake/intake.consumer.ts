import { Injectable } from '@nestjs/common';
import { EventOf } from '@firebreak/contracts';
import { HandlerContext, OnEvent } from '@firebreak/bus';
import { IntakeService } from './intake.service';

/** Announcements in; deliveries are recorded, and sent by the delivery worker (so a slow provider never holds a message). */
@Injectable()
export class IntakeConsumer {
  constructor(private readonly intake: IntakeService) {}

  /**
   * Enough handlers in flight to fill the intake's batches (200 × 4 in flight: 800), else a batch's
   * time caps the intake at concurrency ÷ batch time (32 ÷ 45 ms ≈ 711/s). An in-flight announcement
   * holds its decoded event and rows, a few KB: 800 of them are a few MB. None waits near ack_wait
   * (30 s, heartbeats every 10 s): at most the batches ahead of it, tens of ms each.
   */
  @OnEvent('alerts.notify', { concurrency: 800 })
  async onAlertNotify(event: EventOf<'alerts.notify'>, ctx: HandlerContext): Promise<void> {
    await this.intake.announceAlert(event, ctx);
  }

  @OnEvent('alerts.analysis', { concurrency: 16 })
  async onAlertAnalysis(event: EventOf<'alerts.analysis'>, ctx: HandlerContext): Promise<void> {
    await this.intake.announceAnalysis(event, ctx);
  }

  @OnEvent('notifications.requested', { concurrency: 16 })
  async onNotificationRequested(event: EventOf<'notifications.requested'>, ctx: HandlerContext): Promise<void> {
    await this.intake.announceRequest(event, ctx);
  }

  @OnEvent('runbooks.approval.requested', { concurrency: 16 })
  async onApprovalRequested(event: EventOf<'runbooks.approval.requested'>, ctx: HandlerContext): Promise<void> {
    await this.intake.announceApproval(event, ctx);
  }

  @OnEvent('runbooks.approval.decided', { concurrency: 16 })
  async onApprovalDecided(event: EventOf<'runbooks.approval.decided'>, ctx: HandlerContext): Promise<void> {
    await this.intake.announceDecision(event, ctx);
  }
}
