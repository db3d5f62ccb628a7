import { randomUUID } from 'node:crypto';
import { CloudEvent, DataOf, EVENTS, parseData, Subject } from '@firebreak/contracts';

export interface EventOptions {
  /** Deterministic id for derived events, so a retry produces the same id. Random otherwise. */
  id?: string;
  /** CloudEvents `subject`: what the event is about (e.g. the fingerprint). */
  subject?: string;
  time?: Date;
}

/** Builds the CloudEvent for a subject, validating data against its contract first. */
export function createEvent<S extends Subject>(
  source: string,
  subject: S,
  data: DataOf<S>,
  options: EventOptions = {},
): CloudEvent<DataOf<S>> {
  return {
    specversion: '1.0',
    id: options.id ?? randomUUID(),
    source: `firebreak/${source}`,
    type: EVENTS[subject].type,
    time: (options.time ?? new Date()).toISOString(),
    ...(options.subject !== undefined ? { subject: options.subject } : {}),
    datacontenttype: 'application/json',
    data: parseData(subject, data),
  };
}
