import { MigrationInterface, QueryRunner } from 'typeorm';
import { messagingTablesDownSql, messagingTablesUpSql } from '@firebreak/bus';
import { auditTableUpSql, schemaOf } from '@firebreak/platform';

/** The tables every stateful service has: outbox, inbox and audit log. */
export class Initial1732300000000 implements MigrationInterface {
  name = 'Initial1732300000000';

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
