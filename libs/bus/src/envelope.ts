import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { CloudEvent, ContractViolation, DataOf, EVENTS, isSubject, parseData, Subject } from '@firebreak/contracts';

export interface EventOptions {
  /** Deterministic id for derived events, so a retry produces the same id. Random otherwise. */
  id?: string;
  /** CloudEvents `subject`: what the event is about (e.g. the fingerprint). */
  subject?: string;
  /** A Date, or its ISO string when the caller already has it (one `toISOString` per request, not per event). */
  time?: Date | string;
}

/**
 * Under jest (which sets NODE_ENV=test) trusted data is validated all the same, and must come out of its
 * contract unchanged: the suites of every service that trusts its own data then fail when a call site builds
 * data the contract would refuse, or change (an unknown key zod strips, a default it fills in).
 */
// eslint-disable-next-line no-restricted-syntax -- whether jest runs this, not configuration a deployment sets
const CHECK_TRUSTED_DATA = process.env.NODE_ENV === 'test';

/** Builds the CloudEvent for a subject, validating data against its contract first. */
export function createEvent<S extends Subject>(
  source: string,
  subject: S,
  data: DataOf<S>,
  options: EventOptions = {},
): CloudEvent<DataOf<S>> {
  return envelope(source, subject, parseData(subject, data), options);
}

/**
 * The CloudEvent around data the caller built itself from input it had already validated: no second
 * validation (the contract's schema costs more than the rest of a publish). Only for such data; what
 * comes from anyone else goes through `createEvent`. What stays checked is what costs nothing: the
 * subject is one of the catalogue (its `type` comes from there) and the data is an object.
 */
export function trustedEvent<S extends Subject>(
  source: string,
  subject: S,
  data: DataOf<S>,
  options: EventOptions = {},
): CloudEvent<DataOf<S>> {
  if (!isSubject(subject)) throw new ContractViolation(subject, ['(subject): not in the catalogue']);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new ContractViolation(subject, ['data: must be an object']);
  if (CHECK_TRUSTED_DATA) checkTrusted(subject, data);
  return envelope(source, subject, data, options);
}

function envelope<S extends Subject>(source: string, subject: S, data: DataOf<S>, options: EventOptions): CloudEvent<DataOf<S>> {
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

/** Compared as JSON, what goes on the wire: key order and keys set to undefined make no difference there. */
function checkTrusted(subject: Subject, data: unknown): void {
  const validated = parseData(subject, data);
  const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
  if (!isDeepStrictEqual(asJson(validated), asJson(data)))
    throw new ContractViolation(subject, [
      `trusted data differs from what its contract makes of it: ${JSON.stringify(data)} became ${JSON.stringify(validated)}`,
    ]);
}
