import { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@firebreak/platform';

/**
 * Documents (with their old versions and a weighted full-text column), the runbook catalogue as the
 * executor announces it, alert episodes and runbook runs learnt from the bus.
 */
export class KnowledgeTables1765000000000 implements MigrationInterface {
  name = 'KnowledgeTables1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(queryRunner)}"`;
    // pg_trgm is database-wide; where it cannot be created (no contrib, no privilege) search falls back to
    // full-text only (SearchRepository checks pg_extension at start). A savepoint keeps the failure local.
    await queryRunner.query('SAVEPOINT knowledge_trgm');
    try {
      // In public, not the service schema: a dropped test schema must not take the extension with it.
      await queryRunner.query('CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public');
      await queryRunner.query('RELEASE SAVEPOINT knowledge_trgm');
    } catch {
      await queryRunner.query('ROLLBACK TO SAVEPOINT knowledge_trgm');
    }
    const statements = [
      `CREATE TABLE ${s}.documents (
        id text PRIMARY KEY,
        title text NOT NULL,
        type text NOT NULL CHECK (type IN ('static', 'dynamic', 'template')),
        severity text,
        tags text[] NOT NULL DEFAULT '{}',
        -- array_to_string is only STABLE, so a generated column cannot read tags itself.
        tags_text text NOT NULL DEFAULT '',
        metadata jsonb NOT NULL DEFAULT '{}',
        body text NOT NULL,
        source text NOT NULL CHECK (source IN ('runbook', 'api', 'incident', 'template')),
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        search tsvector GENERATED ALWAYS AS (
          setweight(to_tsvector('english', title), 'A') ||
          setweight(to_tsvector('english', tags_text), 'B') ||
          setweight(to_tsvector('english', body), 'C')
        ) STORED
      )`,
      `CREATE INDEX documents_search ON ${s}.documents USING gin (search)`,
      `CREATE TABLE ${s}.document_versions (
        id text NOT NULL,
        version integer NOT NULL,
        title text NOT NULL,
        type text NOT NULL,
        severity text,
        tags text[] NOT NULL,
        metadata jsonb NOT NULL,
        body text NOT NULL,
        source text NOT NULL,
        updated_at timestamptz NOT NULL,
        replaced_at timestamptz NOT NULL,
        replaced_by text,
        PRIMARY KEY (id, version)
      )`,
      // What the executor can run: the only runbook ids a recommendation may name.
      `CREATE TABLE ${s}.runbook_catalog (
        runbook_id text PRIMARY KEY,
        present boolean NOT NULL,
        origin text NOT NULL,
        version integer NOT NULL,
        title text,
        changed_at timestamptz NOT NULL
      )`,
      `CREATE TABLE ${s}.alert_episodes (
        id bigserial PRIMARY KEY,
        fingerprint text NOT NULL,
        alertname text NOT NULL,
        severity text NOT NULL,
        signature text,
        labels jsonb,
        annotations jsonb,
        fired_at timestamptz NOT NULL,
        resolved_at timestamptz,
        writeup_id text
      )`,
      `CREATE UNIQUE INDEX alert_episodes_open ON ${s}.alert_episodes (fingerprint) WHERE resolved_at IS NULL`,
      `CREATE INDEX alert_episodes_alertname ON ${s}.alert_episodes (alertname, resolved_at)`,
      `CREATE TABLE ${s}.runbook_runs (
        request_id text PRIMARY KEY,
        execution_id text,
        runbook_id text NOT NULL,
        origin text NOT NULL CHECK (origin IN ('bus', 'manual')),
        fingerprint text,
        alertname text,
        signature text,
        labels jsonb,
        annotations jsonb,
        severity text,
        mode text,
        episode_id bigint,
        requested_at timestamptz,
        finished_at timestamptz,
        duration_ms double precision,
        status text NOT NULL DEFAULT 'requested',
        reason text,
        started_at timestamptz,
        fixed boolean NOT NULL DEFAULT false,
        ineffective boolean NOT NULL DEFAULT false
      )`,
      `CREATE INDEX runbook_runs_alertname ON ${s}.runbook_runs (alertname, runbook_id)`,
      `CREATE INDEX runbook_runs_fingerprint ON ${s}.runbook_runs (fingerprint) WHERE episode_id IS NULL`,
      `CREATE INDEX runbook_runs_episode ON ${s}.runbook_runs (episode_id)`,
    ];
    for (const sql of statements) await queryRunner.query(sql);
    // Typo matching (`q <% title`) is served by trigram GIN indexes; only where pg_trgm exists, in whichever
    // schema it was installed.
    const trgm: Array<{ schema: string }> = await queryRunner.query(
      `SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'`,
    );
    if (trgm[0]) {
      const ops = `"${trgm[0].schema}".gin_trgm_ops`;
      // One index over title and tags joined (the expression SearchRepository matches with `<%`).
      await queryRunner.query(`CREATE INDEX documents_title_tags_trgm ON ${s}.documents USING gin ((title || ' ' || tags_text) ${ops})`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(queryRunner)}"`;
    for (const name of ['runbook_runs', 'alert_episodes', 'runbook_catalog', 'document_versions', 'documents'])
      await queryRunner.query(`DROP TABLE IF EXISTS ${s}.${name}`);
  }
}
