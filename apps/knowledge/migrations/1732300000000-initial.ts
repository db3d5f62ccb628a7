import { ServiceTablesMigration } from '@firebreak/platform';

/** Outbox, inbox and audit log (see ServiceTablesMigration). */
export class Initial1732300000000 extends ServiceTablesMigration {
  name = 'Initial1732300000000';
}
