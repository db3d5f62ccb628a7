import { MigrationInterface, QueryRunner } from 'typeorm';
import { outboxRetriesDownSql, outboxRetriesUpSql } from '@firebreak/bus';
import { schemaOf } from './database';

/** Per-row outbox retries and dead rows (see outboxRetriesUpSql); every stateful app subclasses it. */
export abstract class OutboxRetriesMigration implements MigrationInterface {
  abstract name: string;

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of outboxRetriesUpSql(schemaOf(queryRunner))) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of outboxRetriesDownSql(schemaOf(queryRunner))) await queryRunner.query(sql);
  }
}
