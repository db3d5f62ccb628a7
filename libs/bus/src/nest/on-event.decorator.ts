import { SetMetadata } from '@nestjs/common';
import { Subject } from '@firebreak/contracts';
import { RetryPolicy } from '../settlement';

export const ON_EVENT = Symbol('firebreak:on-event');

export interface OnEventOptions {
  /** Defaults to `<app>-<subject with dashes>`; replicas of the service share it. */
  durable?: string;
  concurrency?: number;
  ackWaitMs?: number;
  retry?: Partial<RetryPolicy>;
}

export interface OnEventMetadata extends OnEventOptions {
  subject: Subject;
}

/** Marks a provider method as the handler of a subject; the bus starts a durable consumer for it. */
export const OnEvent = (subject: Subject, options: OnEventOptions = {}) => SetMetadata(ON_EVENT, { subject, ...options } satisfies OnEventMetadata);
