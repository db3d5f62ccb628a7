import { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@firebreak/platform';

/**
 * An alert's episodes by fingerprint and resolution: every new firing looks for a later resolution of its alert
 * (EpisodeRepository.openEpisodes), every resolution for one at the same time, and settle joins runs to them. Only
 * the open episode was indexed by fingerprint, so each of these read the whole table: with 200,000 episodes a batch
 * of 256 firings took 75 ms of Postgres time (a parallel sequential scan) instead of under 1 ms.
 */
export class EpisodeFingerprintIndex1765600000000 implements MigrationInterface {
  name = 'EpisodeFingerprintIndex1765600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX alert_episodes_fingerprint ON "${schemaOf(queryRunner)}".alert_episodes (fingerprint, resolved_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS "${schemaOf(queryRunner)}".alert_episodes_fingerprint`);
  }
}
