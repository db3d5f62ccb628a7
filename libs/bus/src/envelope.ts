import { randomUUID } from 'node:crypto';
import { CloudEvent, DataOf, EVENTS, parseData, Subject } from '@firebreak/contracts';

export interface EventOptions {
  /** Deterministic id for derived events, so a retry produces the same id. Random otherwise. */
  id?: string;
  /** CloudEvents `subject`: what the event is about (e.g. the fingerprint). */
  subject?: string;
  /** A Date, or its ISO string when the caller already has it (one `toISOString` per request, not per event). */
  time?: Date | string;
}

/** Builds the CloudEvent for a subject, validating data against its contract first. */
export function createEvent<S extends Subject>(
  source: string,
  subject: S,
  data: DataOf<S>,
  options: EventOptions = {},
): CloudEvent<DataOf<S>> {
  return trustedEvent(source, subject, parseData(subject, data), options);
}

/**
 * The CloudEvent around data the caller built itself from input it had already validated: no second
 * validation (the contract's schema costs more than the rest of a publish). Only for such data; what
 * comes from anyone else goes through `createEvent`.
 */
export function trustedEvent<S extends Subject>(
  source: string,
  subject: S,
  data: DataOf<S>,
  options: EventOptions = {},
): CloudEvent<DataOf<S>> {
  const time = options.time ?? new Date();
  return {
    specversion: '1.0',
    id: options.id ?? randomUUID(),
    source: `firebreak/${source}`,
    type: EVENTS[subject].type,
    time: typeof time === 'string' ? time : time.toISOString(),
    ...(options.subject !== undefined ? { subject: options.subject } : {}),
    datacontenttype: 'application/json',
    data,
  };
}
