import { CloudEvent, DataOf, Subject } from '@firebreak/contracts';
import { EntityManager } from 'typeorm';
import { EventOptions } from '../envelope';

/** What a unit of work of `TransactionalMessaging.run` writes through: its transaction, and the events it stages. */
export interface Transaction {
  manager: EntityManager;
  /** Writes the event to the outbox in this transaction; it is published once the transaction commits. */
  stage<S extends Subject>(subject: S, data: DataOf<S>, options?: EventOptions): CloudEvent<DataOf<S>>;
  /**
   * `stage` without validating `data`: only for data the service built itself from input it had validated, never
   * for what comes from outside as it is (a request body, a chat command, a runbook's text). See `trustedEvent`.
   */
  stageTrusted<S extends Subject>(subject: S, data: DataOf<S>, options?: EventOptions): CloudEvent<DataOf<S>>;
}

export interface InboxKey {
  consumer: string;
  eventId: string;
}

/** Many events of one consumer handled in one transaction (a batch). */
export interface InboxBatch {
  consumer: string;
  eventIds: string[];
}

export type TransactionResult<T> = { duplicate: true } | { duplicate: false; result: T; events: CloudEvent<unknown>[] };
