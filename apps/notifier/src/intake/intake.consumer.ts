import { Injectable } from '@nestjs/common';
import { EventOf } from '@firebreak/contracts';
import { HandlerContext, OnEvent } from '@firebreak/bus';
import { IntakeService } from './intake.service';

/** Announcements in; deliveries are recorded, and sent by the delivery worker (so a slow provider never holds a message). */
@Injectable()
export class IntakeConsumer {
  constructor(private readonly intake: IntakeService) {}

  @OnEvent('alerts.notify', { concurrency: 32 })
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
