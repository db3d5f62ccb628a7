import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { TransactionalMessaging } from '@firebreak/bus';
import { ApiPrincipal, AuditLog, Principal, RequireRole, ZodPipe } from '@firebreak/platform';
import { ImportLearning, importLearningSchema, importQuerySchema } from './learning-backup.dto';
import { EpisodeRecord, LearningBackupRepository, RunRecord } from './learning-backup.repository';

/** Rolls a dry run's transaction back with what it would have added. */
class DryRun {
  constructor(readonly added: { episodes: number; runs: number }) {}
}

/**
 * What was learnt, for `npm run backup` / `npm run restore`. Reading is for viewers, as the patterns, write-ups and
 * alerts that show the same labels are; adding is for admins.
 */
@ApiTags('knowledge')
@Controller('api/v1/knowledge/backup/learning')
export class LearningBackupController {
  constructor(
    private readonly repo: LearningBackupRepository,
    private readonly messaging: TransactionalMessaging,
    private readonly audit: AuditLog,
  ) {}

  @Get()
  @RequireRole('viewer')
  @ApiOperation({ summary: 'Every alert episode and runbook run learnt, as rows (episodes keyed by fingerprint and fired_at)' })
  export() {
    return this.repo.export();
  }

  @Post()
  @HttpCode(200)
  @RequireRole('admin')
  @ApiOperation({ summary: 'Adds the episodes and runs that are missing (`dry_run=true`: only counts them); twice adds nothing; audited' })
  async import(
    @Body(new ZodPipe(importLearningSchema)) body: ImportLearning,
    @Query(new ZodPipe(importQuerySchema)) query: { dry_run: 'true' | 'false' },
    @Principal() principal: ApiPrincipal,
  ) {
    try {
      const added = await this.messaging.run(async (tx) => {
        const counts = await this.repo.import(tx.manager, body.episodes as EpisodeRecord[], body.runs as RunRecord[]);
        if (query.dry_run === 'true') throw new DryRun(counts);
        if (counts.episodes + counts.runs > 0)
          await this.audit.record(
            { actor: principal.name, action: 'knowledge.learning.restore', target: 'learning', details: counts },
            tx.manager,
          );
        return counts;
      });
      return { added, dryRun: false };
    } catch (error) {
      if (error instanceof DryRun) return { added: error.added, dryRun: true };
      throw error;
    }
  }
}
