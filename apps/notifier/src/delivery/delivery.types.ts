import { Severity } from '@firebreak/contracts';
import { ChannelType } from '../channel-config/channels.config';
import { Notification, NotificationKind } from '../notifications/notification';

export type DeliveryStatus = 'pending' | 'sent' | 'failed' | 'folded' | 'skipped';

export interface NewDelivery {
  id: string;
  announcementId: string;
  announcementSubject: string;
  channel: string;
  channelType: ChannelType;
  target: string;
  kind: NotificationKind;
  severity: Severity;
  fingerprint?: string;
  title: string;
  content: Notification;
  status: 'pending' | 'skipped';
  lastError?: string;
  receivedAt: Date;
  /** The announcement's own time: deliveries with one order key go out in this order. */
  orderedAt: Date;
  /**
   * What the order holds within (per target): the fingerprint when absent. An approval's request and
   * decision use `approval:<id>`: they are their own incident, apart from the alert's announcements.
   */
  orderKey?: string;
  /** The approval a delivery asks for or resolves. */
  approvalId?: string;
}

/** A delivery of an alert's firing message, as its analysis follow-up needs it. */
export interface FiringDelivery {
  id: string;
  channel: string;
  target: string;
  /** Only a firing delivery on the wire or waiting to be (`pending`, `sent`) gets a follow-up. */
  status: DeliveryStatus;
  orderedAt: Date;
}

/** A delivery of an approval's request, as its decision needs it. */
export interface ApprovalRequestDelivery {
  channel: string;
  target: string;
  severity: Severity;
  fingerprint: string | null;
  content: Notification;
  /** Where the request stands in its order key's queue: its decision must come after it. */
  orderedAt: Date;
}

/** An approval's page as a decision finds it. */
export interface ApprovalPage {
  /** The request was recorded by this release (or backfilled by the migration). */
  requested: boolean;
  requestDeliveryIds: string[];
}

/** A delivery claimed for an attempt (its attempt already counted). */
export interface ClaimedDelivery {
  id: string;
  seq: number;
  announcementId: string;
  channelType: ChannelType;
  target: string;
  kind: NotificationKind;
  severity: Severity;
  fingerprint: string | null;
  orderKey: string | null;
  content: Notification;
  attempts: number;
  /** Set by this claim: only an answer carrying it is written (an older claim's late answer is not). */
  claimToken: string;
  receivedAt: Date;
  orderedAt: Date;
}

export interface DeliveryUpdate {
  id: string;
  /** The claim the answer belongs to (`ClaimedDelivery.claimToken`): a newer claim of the row fences it out. */
  claimToken: string;
  /**
   * The claim's attempt number: during a rolling deploy a replica of the previous release may claim
   * the row again without touching its token, but it does count the attempt.
   */
  attempts: number;
  status: 'pending' | 'sent' | 'failed';
  nextAttemptAt?: Date;
  sentAt?: Date;
  lastError?: string;
  responseStatus?: number;
  responseExcerpt?: string;
}
