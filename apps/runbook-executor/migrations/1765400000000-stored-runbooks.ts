import { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@firebreak/platform';

/**
 * Runbooks stored by API (PUT /api/v1/runbooks/:id), every version kept; the highest version of an id is in force.
 * A DELETE is a version too, with no definition (a tombstone): the history stays and versions only grow. Executions
 * record the source and version of the runbook they ran next to the definition they already snapshot.
 */
export class StoredRunbooks1765400000000 implements MigrationInterface {
  name = 'StoredRunbooks1765400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(queryRunner)}"`;
    await queryRunner.query(`CREATE TABLE ${s}.stored_runbooks (
      id text NOT NULL,
      version integer NOT NULL CHECK (version > 0),
      definition jsonb,
      prose text,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (id, version)
    )`);
    await queryRunner.query(`ALTER TABLE ${s}.executions ADD COLUMN runbook_source text, ADD COLUMN runbook_version integer`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(queryRunner)}"`;
    await queryRunner.query(`ALTER TABLE ${s}.executions DROP COLUMN IF EXISTS runbook_source, DROP COLUMN IF EXISTS runbook_version`);
    await queryRunner.query(`DROP TABLE IF EXISTS ${s}.stored_runbooks`);
  }
}
