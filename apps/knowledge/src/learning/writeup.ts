import { escapeMarkdown, formatDuration } from '../core/text';
import { Episode, Run } from './learning.types';

export interface SimilarWriteup {
  documentId: string;
  title: string;
  resolvedAt: Date | null;
}

/**
 * The incident write-up of a resolved episode that ran automation, as Markdown (seed 001's dynamic runbook:
 * trigger, symptoms, what ran, resolution, similar incidents). Every alert-supplied string is escaped:
 * labels and annotations are data shown to people, never markup or links.
 */
export function renderWriteup(episode: Episode, runs: readonly Run[], similar: readonly SimilarWriteup[]): string {
  const e = escapeMarkdown;
  const ttr = episode.resolvedAt ? episode.resolvedAt.getTime() - episode.firedAt.getTime() : null;
  const lines: string[] = [
    `# Incident: ${e(episode.alertname)}`,
    '',
    `${e(episode.alertname)} fired at ${episode.firedAt.toISOString()}` +
      (episode.resolvedAt ? ` and resolved at ${episode.resolvedAt.toISOString()} (${formatDuration(ttr ?? 0)} to resolve).` : '.'),
    '',
    `**Severity**: ${e(episode.severity)}  `,
    `**Fingerprint**: ${e(episode.fingerprint)}  `,
    `**Duration**: ${ttr === null ? 'unresolved' : formatDuration(ttr)}`,
    '',
    '## Trigger',
    '',
    `Alert ${e(episode.alertname)} started firing at ${episode.firedAt.toISOString()}.`,
    '',
    '## Symptoms',
    '',
    '### Labels',
    '',
    ...pairs(episode.labels),
    '',
    '### Annotations',
    '',
    ...pairs(episode.annotations),
    '',
    '## What ran',
    '',
    '| runbook | mode | outcome | duration | fixed the alert |',
    '| ------- | ---- | ------- | -------- | --------------- |',
    ...runs.map(
      (run) =>
        `| ${e(run.runbookId)} | ${e(run.mode ?? '-')} | ${e(outcome(run))} | ${run.durationMs === null ? '-' : formatDuration(run.durationMs)} | ${run.fixed ? 'yes' : 'no'} |`,
    ),
    '',
    '## Resolution',
    '',
    resolution(episode, runs, ttr),
    '',
    '## Similar incidents',
    '',
    ...(similar.length
      ? similar.map((s) => `- ${e(s.title)} (document ${e(s.documentId)}${s.resolvedAt ? `, resolved ${s.resolvedAt.toISOString()}` : ''})`)
      : ['- none recorded before']),
    '',
  ];
  return lines.join('\n');
}

function pairs(values: Record<string, string> | null): string[] {
  const entries = Object.entries(values ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return ['- (none known)'];
  return entries.map(([name, value]) => `- **${escapeMarkdown(name)}**: ${escapeMarkdown(value.slice(0, 1000))}`);
}

function outcome(run: Run): string {
  if (run.ineffective) return 'ineffective';
  return run.reason && run.status !== 'succeeded' ? `${run.status}: ${run.reason.slice(0, 200)}` : run.status;
}

function resolution(episode: Episode, runs: readonly Run[], ttr: number | null): string {
  const fixers = runs.filter((run) => run.fixed).map((run) => escapeMarkdown(run.runbookId));
  if (ttr === null) return 'Not resolved yet.';
  if (fixers.length) return `Resolved ${formatDuration(ttr)} after firing; verified fix by ${[...new Set(fixers)].join(', ')}.`;
  return `Resolved ${formatDuration(ttr)} after firing; no run is credited with the fix (none succeeded within the fix window).`;
}

/**
 * Deterministic per episode: a redelivered resolution rewrites the same document (a new version only if it
 * changed). Built from the episode's row id, not its start: a late firing moves the start back, and an id
 * from the start would then name a second write-up of the same episode.
 */
export function writeupId(episode: Pick<Episode, 'fingerprint' | 'id'>): string {
  return `incident-${episode.fingerprint}-${episode.id}`;
}
