import { z } from 'zod';
import { cloudEventSchema } from './envelope';
import { APPS, DLQ, EVENTS, SUBJECTS } from './catalog';
import { AlertmanagerWebhookSchema } from './alertmanager';

type JsonSchema = Record<string, unknown>;

function toJsonSchema(schema: z.ZodType, id: string): JsonSchema {
  return { $id: id, ...z.toJSONSchema(schema, { target: 'draft-2020-12', unrepresentable: 'any' }) } as JsonSchema;
}

/** One JSON Schema per event type (the whole CloudEvent), keyed by the file name it is published as. */
export function eventJsonSchemas(): Record<string, JsonSchema> {
  const schemas: Record<string, JsonSchema> = {};
  for (const subject of SUBJECTS) {
    const { type, schema } = EVENTS[subject];
    schemas[`${type}.json`] = toJsonSchema(cloudEventSchema(type, schema), `https://firebreak.dev/schemas/${type}.json`);
  }
  schemas[`${DLQ.type}.json`] = toJsonSchema(cloudEventSchema(DLQ.type, DLQ.schema), `https://firebreak.dev/schemas/${DLQ.type}.json`);
  schemas['alertmanager.webhook.v4.json'] = toJsonSchema(
    AlertmanagerWebhookSchema,
    'https://firebreak.dev/schemas/alertmanager.webhook.v4.json',
  );
  return schemas;
}

/** An AsyncAPI 3 document of every subject, for teams that subscribe to Firebreak's events. */
export function asyncApiDocument(version: string): JsonSchema {
  const channels: JsonSchema = {};
  const messages: JsonSchema = {};
  const operations: JsonSchema = {};
  const entries = [
    ...SUBJECTS.map((subject) => ({ subject, address: subject, ...EVENTS[subject] })),
    { subject: 'dlq', address: 'dlq.{originalSubject}', type: DLQ.type, schema: DLQ.schema, producers: APPS, description: DLQ.description },
  ];
  for (const entry of entries) {
    const key = entry.subject.replace(/\./g, '_');
    const message = entry.type.replace(/\./g, '_');
    messages[message] = {
      name: entry.type,
      title: entry.type,
      summary: entry.description,
      contentType: 'application/cloudevents+json',
      headers: {
        type: 'object',
        properties: {
          'Nats-Msg-Id': { type: 'string', description: 'Equals the CloudEvent id; JetStream drops a repeat inside the duplicate window.' },
          traceparent: { type: 'string', description: 'W3C trace context.' },
          tracestate: { type: 'string' },
        },
      },
      payload: z.toJSONSchema(cloudEventSchema(entry.type, entry.schema), { target: 'draft-2020-12', unrepresentable: 'any' }),
    };
    channels[key] = {
      address: entry.address,
      description: `${entry.description} ${publishedBy(entry)}`,
      messages: { [message]: { $ref: `#/components/messages/${message}` } },
      ...(entry.address.includes('{')
        ? { parameters: { originalSubject: { description: 'The subject of the message that was dead-lettered.' } } }
        : {}),
    };
    operations[`receive_${key}`] = {
      action: 'receive',
      channel: { $ref: `#/channels/${key}` },
      summary: `Subscribe to ${entry.address}`,
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Firebreak events',
      version,
      description:
        'Every event Firebreak publishes on NATS JetStream, as CloudEvents 1.0 in structured JSON mode. ' +
        'Subjects may carry an installation prefix (FIREBREAK_SUBJECT_PREFIX). Generated from libs/contracts; do not edit.',
    },
    defaultContentType: 'application/cloudevents+json',
    servers: { local: { host: '127.0.0.1:4222', protocol: 'nats', description: 'NATS with JetStream' } },
    channels,
    operations,
    components: { messages },
  };
}

function publishedBy(entry: { producers: readonly string[]; plannedProducers?: readonly string[] }): string {
  const now = entry.producers.length > 0 ? `Published by ${entry.producers.join(', ')}.` : 'Not published yet.';
  const planned = entry.plannedProducers?.length ? ` Planned: ${entry.plannedProducers.join(', ')}.` : '';
  return now + planned;
}
