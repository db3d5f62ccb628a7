import { z } from 'zod';
import { cloudEventSchema, CloudEvent } from './envelope';
import { DataOf, DLQ, EVENTS, Subject } from './catalog';
import { DeadLetter } from './observations';

/** A message that does not match its contract. `issues` name each field and what is wrong with it. */
export class ContractViolation extends Error {
  constructor(
    readonly subject: string,
    readonly issues: string[],
  ) {
    super(`${subject}: ${issues.join('; ')}`);
    this.name = 'ContractViolation';
  }
}

export function describeZodError(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`);
}

const envelopeCache = new Map<string, z.ZodType>();

export function envelopeSchemaFor(subject: Subject): z.ZodType<CloudEvent<DataOf<typeof subject>>> {
  let schema = envelopeCache.get(subject);
  if (!schema) {
    schema = cloudEventSchema(EVENTS[subject].type, EVENTS[subject].schema);
    envelopeCache.set(subject, schema);
  }
  return schema as z.ZodType<CloudEvent<DataOf<typeof subject>>>;
}

export const deadLetterEnvelopeSchema = cloudEventSchema(DLQ.type, DLQ.schema);

/** Parses a whole CloudEvent for a subject; throws ContractViolation naming every bad field. */
export function parseEvent<S extends Subject>(subject: S, raw: unknown): CloudEvent<DataOf<S>> {
  const result = envelopeSchemaFor(subject).safeParse(raw);
  if (!result.success) throw new ContractViolation(subject, describeZodError(result.error));
  return result.data as CloudEvent<DataOf<S>>;
}

/** Validates event data before it is published, so nothing invalid reaches the bus. */
export function parseData<S extends Subject>(subject: S, data: unknown): DataOf<S> {
  const result = EVENTS[subject].schema.safeParse(data);
  if (!result.success)
    throw new ContractViolation(
      subject,
      describeZodError(result.error).map((issue) => `data.${issue}`),
    );
  return result.data as DataOf<S>;
}

export function parseDeadLetter(raw: unknown): CloudEvent<DeadLetter> {
  const result = deadLetterEnvelopeSchema.safeParse(raw);
  if (!result.success) throw new ContractViolation('dlq', describeZodError(result.error));
  return result.data as CloudEvent<DeadLetter>;
}
