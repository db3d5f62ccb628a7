import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { CLOCK, Clock, CONFIG, LOGGER } from '@firebreak/platform';
import { DocumentsService } from '../documents/documents.service';
import type { KnowledgeConfig } from '../service';

const DAY_MS = 24 * 3600_000;

/**
 * Incident write-ups (dynamic documents from incidents) older than FIREBREAK_WRITEUP_RETENTION are deleted at start
 * and then daily (`off`: never). Only write-ups nobody edited: documents written by people, write-ups a person
 * changed (see DocumentsRepository.pruneWriteups), runbook prose and templates are never pruned, and the
 * learnt statistics (episodes, runs) stay. Every replica may prune; deleting what is already gone changes nothing.
 */
@Injectable()
export class WriteupRetentionService implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(CONFIG) private readonly config: KnowledgeConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly documents: DocumentsService,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.FIREBREAK_WRITEUP_RETENTION === null) return;
    void this.prune();
    this.timer = setInterval(() => void this.prune(), DAY_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** How many write-ups went; a failure is logged (the next day tries again), never thrown. */
  async prune(): Promise<number> {
    if (this.config.FIREBREAK_WRITEUP_RETENTION === null) return 0;
    const before = new Date(this.clock.now().getTime() - this.config.FIREBREAK_WRITEUP_RETENTION);
    try {
      const deleted = await this.documents.pruneWriteups(before);
      if (deleted > 0) this.logger.info({ deleted, before: before.toISOString() }, 'incident write-ups past their retention deleted');
      return deleted;
    } catch (error) {
      this.logger.warn({ err: error }, 'could not prune incident write-ups; trying again tomorrow');
      return 0;
    }
  }
}
