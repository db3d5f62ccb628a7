import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { BusConnection, EventPublisher, SubjectNames } from '@firebreak/bus';
import { CONFIG } from '@firebreak/platform';
import { ExecutorSettings, SETTINGS } from '../common/settings';
import { StepRunners } from '../engine/engine.types';
import { RunbookCatalogService } from '../runbooks/runbook-catalog.service';
import type { ExecutorConfig } from '../service';
import { ApprovalStepRunner } from './approval.step';
import { CommandStepRunner } from './command.step';
import { DlqArchiveRepository } from './dlq-archive.repository';
import { DlqStepRunner } from './dlq.step';
import { FailStepRunner } from './fail.step';
import { HostAllowList } from './host-allow-list';
import { HttpStepRunner } from './http.step';
import { NotifyStepRunner } from './notify.step';
import { PrometheusStepRunner } from './prometheus.step';
import { PublishStepRunner } from './publish.step';
import { ServiceInstances } from './service-instances';
import { SqlStepRunner } from './sql.step';
import { WaitStepRunner } from './wait.step';

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
    archive: DlqArchiveRepository,
  ) {
    this.sql = new SqlStepRunner(settings.connections);
    this.runners = {
      http: new HttpStepRunner(new HostAllowList(config.FIREBREAK_RUNBOOK_HTTP_ALLOW), new ServiceInstances(settings.services)),
      command: new CommandStepRunner(new Set(config.FIREBREAK_RUNBOOK_COMMANDS_ALLOW)),
      prometheus: new PrometheusStepRunner(config.PROMETHEUS_URL),
      sql: this.sql,
      fail: new FailStepRunner(),
      wait: new WaitStepRunner(),
      approval: new ApprovalStepRunner(),
      notify: new NotifyStepRunner((id) => catalog.get(id)?.runbook.title ?? id),
      publish: new PublishStepRunner(),
      dlq: new DlqStepRunner({
        jsm: () => connection.jsm,
        subjects,
        publisher,
        archive: (entry, executionId) => archive.insert(entry, executionId),
      }),
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.sql.close();
  }
}
