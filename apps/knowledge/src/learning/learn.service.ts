import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { TransactionalMessaging } from '@firebreak/bus';
import { ApiPrincipal, AuditLog, CLOCK, Clock } from '@firebreak/platform';
import { signatureOf } from '../core/labels';
import { wilsonLowerBound } from '../core/ranking';
import { escapeMarkdown, formatDuration } from '../core/text';
import { fitDocumentLimits } from '../documents/document-limits';
import { DocumentsService } from '../documents/documents.service';
import { LearnBody } from './learning.dto';
import { LearningStatsRepository } from './learning-stats.repository';
import { RunRepository } from './run.repository';

/** POST /learn: outcomes reported by people or n8n, recorded as manual runs with a reported-incident document. */
@Injectable()
export class LearnService {
  constructor(
    private readonly runs: RunRepository,
    private readonly stats: LearningStatsRepository,
    private readonly documents: DocumentsService,
    private readonly messaging: TransactionalMessaging,
    private readonly audit: AuditLog,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Seed 001's learn: an outcome reported by people or n8n, counted like runs (per resolution entry). */
  async learn(body: LearnBody, principal: ApiPrincipal) {
    const data = body.incident_data;
    // Without an id, the report's own content names it: a retried POST (n8n retries) counts once.
    const reportId = data.id ?? `sha256-${createHash('sha256').update(canonicalJson(body)).digest('hex').slice(0, 32)}`;
    const signature = signatureOf(body.context);
    const at = this.clock.now();
    // Ids are case-sensitive everywhere (runs and document): `INC-1` and `inc-1` are two reports. The id's
    // characters are already those of a document id.
    const documentId = `learned-${reportId}`;
    const created = await this.messaging.run(async (tx) => {
      let fresh = false;
      for (const [index, resolution] of data.resolution.entries())
        fresh =
          (await this.runs.recordManual(tx.manager, {
            requestId: `learn:${reportId}#${index}`,
            runbookId: resolution,
            alertname: data.type,
            signature,
            labels: body.context,
            success: data.success,
            durationMs: data.duration ?? null,
            diagnosis: index === 0 && data.diagnosis.length ? data.diagnosis.join('\n') : null,
            at,
          })) || fresh;
      if (!fresh) return false;
      await this.documents.save(tx.manager, learnedDocument(documentId, body, principal.name), principal.name);
      await this.audit.record(
        { actor: principal.name, action: 'knowledge.learn', target: data.type, details: { report: reportId, success: data.success } },
        tx.manager,
      );
      return true;
    });
    const stats = await this.stats.stats(data.type);
    const runs = stats.reduce((sum, s) => sum + s.runs, 0);
    const fixed = stats.reduce((sum, s) => sum + s.fixed, 0);
    const best = [...stats].sort((a, b) => wilsonLowerBound(b.fixed, b.runs) - wilsonLowerBound(a.fixed, a.runs))[0];
    return {
      pattern_detected: runs >= 2,
      pattern_id: data.type.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
      confidence: Math.round(wilsonLowerBound(fixed, runs) * 100) / 100,
      new_runbook_created: created,
      runbook_id: documentId,
      recommendations:
        best && best.fixed > 0 ? [`${best.runbookId} fixed ${best.fixed} of ${best.runs} recorded ${data.type} incidents`] : [],
    };
  }
}

/** JSON with object keys sorted: the same report, however its keys were ordered, hashes the same. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function learnedDocument(id: string, body: LearnBody, actor: string) {
  const data = body.incident_data;
  const e = escapeMarkdown;
  const lines = [
    `# Incident: ${e(data.type)} (reported)`,
    '',
    `Reported by ${e(actor)}: ${data.success ? 'resolved' : 'not resolved'}${data.duration !== undefined ? ` in ${formatDuration(data.duration)}` : ''}.`,
    '',
    '## Diagnosis',
    '',
    ...(data.diagnosis.length ? data.diagnosis.map((d) => `- ${e(d)}`) : ['- (none given)']),
    '',
    '## Resolution',
    '',
    ...data.resolution.map((r) => `- ${e(r)}`),
    '',
    '## Context',
    '',
    ...(Object.keys(body.context).length ? Object.entries(body.context).map(([k, v]) => `- **${e(k)}**: ${e(v)}`) : ['- (none given)']),
    '',
  ];
  return fitDocumentLimits({
    id,
    title: `Incident: ${data.type} (reported)`,
    type: 'dynamic' as const,
    severity: null,
    tags: ['incident', 'reported', data.type],
    metadata: { incident_type: data.type, success: data.success, duration_ms: data.duration ?? null, context: body.context },
    body: lines.join('\n'),
    source: 'incident' as const,
  });
}
