import { OutboxRetriesMigration } from '@firebreak/platform';

/** Per-row outbox retries and dead rows (see OutboxRetriesMigration). */
export class OutboxRetries1764633600000 extends OutboxRetriesMigration {
  name = 'OutboxRetries1764633600000';
}
