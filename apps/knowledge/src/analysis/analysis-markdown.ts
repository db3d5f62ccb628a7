import { AlertAnalysis } from '@firebreak/contracts';

/**
 * The analysis as Markdown for seed 002's `analysis` string. Alert text is data: Markdown control
 * characters in it are escaped, and queries go in code spans whose fence is longer than any backtick
 * run inside them.
 */
export function analysisMarkdown(
  a: Pick<
    AlertAnalysis,
    'summary' | 'probableCauses' | 'mitigations' | 'queries' | 'similarIncidents' | 'recommendedRunbooks' | 'engine' | 'fallbackReason'
  >,
): string {
  const lines = ['## Analysis', '', md(a.summary), '', '## Probable causes', ''];
  a.probableCauses.forEach((c, i) => lines.push(`${i + 1}. ${md(c.cause)} — ${md(c.evidence)}`));
  lines.push('', '## Recommendations', '');
  a.mitigations.forEach((m, i) => lines.push(`${i + 1}. ${md(m)}`));
  if (a.recommendedRunbooks.length > 0) {
    lines.push('', '## Runbooks', '');
    for (const r of a.recommendedRunbooks)
      lines.push(`- ${md(r.runbookId)}: ${r.successRate === null ? 'no outcomes yet' : `fixed ${r.fixed} of ${r.runs}`}`);
  }
  if (a.queries.length > 0) {
    lines.push('', '## Queries', '');
    for (const q of a.queries) lines.push(`- ${md(q.description)}: ${code(q.promql)}`);
  }
  if (a.similarIncidents.length > 0) {
    lines.push('', '## Similar incidents', '');
    for (const s of a.similarIncidents) lines.push(`- ${md(s.title)}${s.resolvedAt ? ` (resolved ${s.resolvedAt})` : ''}`);
  }
  lines.push('', `_engine: ${a.engine}${a.fallbackReason ? `; the model was not used: ${md(a.fallbackReason)}` : ''}_`);
  return lines.join('\n');
}

const md = (text: string) => text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');

function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence} ${text.replace(/\r?\n/g, ' ')} ${fence}`;
}
