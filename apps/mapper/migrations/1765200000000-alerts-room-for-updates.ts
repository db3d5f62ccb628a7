import { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@firebreak/platform';

/**
 * `alerts` pages filled to half, the other half kept for updates of their rows. A repeat (a re-sent
 * firing alert: occurrences, last_seen) changes no indexed column, so Postgres can write it as a HOT
 * update, the new version on the same page and no index touched, but only if the page has room:
 * packed full (the default), every update went to another page and added an entry to each of the six
 * indexes (the GIN of labels included), and the index entries stayed as bloat. Half: a transaction
 * updating every row of a page at once (a batch re-sending one Alertmanager group, whose alerts were
 * first seen, and so stored, together) still finds room for all of them. Measured with the mapper
 * bench's `mix` workload (each alert fired, repeated twice, resolved): HOT updates 9 % → 67 % of
 * updates (every repeat; a resolve changes `status`), WAL of the service's tables -11 %, and a batch's
 * repeat UPDATE ~25 → ~16 µs of Postgres CPU a row. It costs pages: an insert-only alert takes twice its space.
 *
 * Only new pages are filled to the new mark; nothing is rewritten. SET (fillfactor) takes a lock
 * that reads and writes pass (SHARE UPDATE EXCLUSIVE); it waits only for a vacuum or another DDL.
 */
export class AlertsRoomForUpdates1765200000000 implements MigrationInterface {
  name = 'AlertsRoomForUpdates1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Behind a long vacuum the start fails and is retried, rather than waiting with the migration lock held.
    await queryRunner.query(`SET LOCAL lock_timeout = '2s'`);
    await queryRunner.query(`ALTER TABLE "${schemaOf(queryRunner)}".alerts SET (fillfactor = 50)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`SET LOCAL lock_timeout = '2s'`);
    await queryRunner.query(`ALTER TABLE "${schemaOf(queryRunner)}".alerts RESET (fillfactor)`);
  }
}
