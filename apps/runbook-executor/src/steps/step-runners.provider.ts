import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BusConnection, EventPublisher, SubjectNames } from '@firebreak/bus';
import { CONFIG } from '@firebreak/platform';
import { StepRunners } from '../engine/engine.types';
import { ExecutorSettings, SETTINGS } from '../common/settings';
import { RunbookCatalogService } from '../runbooks/runbook-catalog.service';
import type { ExecutorConfig } from '../service';
import { CommandStepRunner } from './command.step';
import { DeadLetterEntry, DlqStepRunner } from './dlq.step';
import { HostAllowList } from './host-allow-list';
import { HttpStepRunner } from './http.step';
import { PrometheusStepRunner } from './prometheus.step';
import { ApprovalStepRunner, NotifyStepRunner, PublishStepRunner, WaitStepRunner } from './simple.steps';
import { SqlStepRunner } from './sql.step';

/** One runner per step type, configured from the environment and config files. */
@Injectable()
export class StepRunnersProvider implements OnApplicationShutdown {
  readonly runners: StepRunners;
  private readonly sql: SqlStepRunner;

  constructor(
    @Inject(CONFIG) config: ExecutorConfig,
    @Inject(SETTINGS) settings: ExecutorSettings,
    catalog: RunbookCatalogService,
    connection: BusConnection,
    subjects: SubjectNames,
    publisher: EventPublisher,
    dataSource: DataSource,
  ) {
    this.sql = new SqlStepRunner(settings.connections);
    const archiveTable = `"${config.dbSchema}".dlq_archive`;
    const archive = async (entry: DeadLetterEntry, executionId: string) => {
      await dataSource.query(
        `INSERT INTO ${archiveTable} (dlq_event_id, original_subject, reason, error, dead_lettered_at, payload, execution_id) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
        [entry.id, entry.letter.originalSubject, entry.letter.reason, entry.letter.error, entry.letter.deadLetteredAt, entry.letter.payload, executionId],
      );
    };
    this.runners = {
      http: new HttpStepRunner(new HostAllowList(config.FIREBREAK_RUNBOOK_HTTP_ALLOW)),
      command: new CommandStepRunner(new Set(config.FIREBREAK_RUNBOOK_COMMANDS_ALLOW)),
      prometheus: new PrometheusStepRunner(config.PROMETHEUS_URL),
      sql: this.sql,
      wait: new WaitStepRunner(),
      approval: new ApprovalStepRunner(),
      notify: new NotifyStepRunner((id) => catalog.get(id)?.runbook.title ?? id),
      publish: new PublishStepRunner(),
      dlq: new DlqStepRunner({ jsm: () => connection.jsm, subjects, publisher, archive }),
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.sql.close();
  }
}
