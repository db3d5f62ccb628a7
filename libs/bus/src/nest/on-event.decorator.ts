import { SetMetadata } from '@nestjs/common';
import { EventOf, Subject } from '@firebreak/contracts';
import { HandlerContext } from '../consumer';
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

type HandlerMethod<S extends Subject> = (event: EventOf<S>, ctx: HandlerContext) => Promise<void>;

/**
 * Marks a provider method as the handler of a subject; the bus starts a durable consumer for it.
 * Typed so that the method must take `EventOf<S>` of this very subject.
 */
export function OnEvent<S extends Subject>(subject: S, options: OnEventOptions = {}) {
  const mark = SetMetadata(ON_EVENT, { subject, ...options } satisfies OnEventMetadata);
  return <M extends HandlerMethod<S>>(target: object, key: string | symbol, descriptor: TypedPropertyDescriptor<M>): void => {
    mark(target, key, descriptor);
  };
}
