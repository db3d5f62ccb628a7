import { Injectable } from '@nestjs/common';
import { ApprovalRequested, CloudEvent, DataOf, NotificationRequested } from '@firebreak/contracts';
import { HandlerContext, OnEvent } from '@firebreak/bus';
import { NotificationsService } from './notifications.service';

/** Announcements in; deliveries are recorded, and sent by the worker (so a slow provider never holds a message). */
@Injectable()
export class NotificationsConsumer {
  constructor(private readonly notifications: NotificationsService) {}

  @OnEvent('alerts.notify', { concurrency: 32 })
  async onAlertNotify(event: CloudEvent<DataOf<'alerts.notify'>>, ctx: HandlerContext): Promise<void> {
    await this.notifications.announceAlert(event, ctx.log);
  }

  @OnEvent('notifications.requested', { concurrency: 16 })
  async onNotificationRequested(event: CloudEvent<NotificationRequested>, ctx: HandlerContext): Promise<void> {
    await this.notifications.announceRequest(event, ctx.log);
  }

  @OnEvent('runbooks.approval.requested', { concurrency: 16 })
  async onApprovalRequested(event: CloudEvent<ApprovalRequested>, ctx: HandlerContext): Promise<void> {
    await this.notifications.announceApproval(event, ctx.log);
  }
}
