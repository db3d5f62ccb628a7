import { MigrationInterface, QueryRunner } from 'typeorm';
import { messagingTablesDownSql, messagingTablesUpSql } from '@firebreak/bus';
import { auditTableUpSql } from '../auth/audit';
import { schemaOf } from './database';

/**
 * The first migration of every stateful service: outbox, inbox and audit log. Each app subclasses
 * it under its own timestamped name. Applied migrations are history: never change this class; add a
 * new migration to each app instead.
 */
export abstract class ServiceTablesMigration implements MigrationInterface {
  abstract name: string;

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    for (const sql of [...messagingTablesUpSql(schema), ...auditTableUpSql(schema)]) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`DROP TABLE IF EXISTS "${schema}".audit_log`);
    for (const sql of messagingTablesDownSql(schema)) await queryRunner.query(sql);
  }
}
