import { useQuery } from '@tanstack/react-query';
import { useParams } from 'react-router';
import Markdown from 'react-markdown';
import remarkGfm from 'remark-gfm';
import { api } from '../../api/client';
import { IfRole } from '../../auth/session';
import { ErrorBox, Loading, SeverityBadge } from '../../ui/common';
import { dryRunFate } from './dry-run';
import { RunPanel } from './RunPanel';
import { SuccessByAlert } from './SuccessByAlert';
import type { RunbookDetail, StepDefinition } from './types';

export function RunbookDetailPage() {
  const id = useParams().id ?? '';
  const runbook = useQuery({
    queryKey: ['runbook', id],
    queryFn: ({ signal }) => api<RunbookDetail>('runbook-executor', `/v1/runbooks/${encodeURIComponent(id)}`, { signal }),
  });
  if (runbook.isPending) return <Loading />;
  if (runbook.isError) return <ErrorBox error={runbook.error} />;
  const { definition, prose, loadErrors } = runbook.data;
  return (
    <section>
      <h1>
        {definition?.title ?? id} <span className="muted">{id}</span> {definition && <SeverityBadge severity={definition.severity} />}
      </h1>
      {loadErrors.length > 0 && <pre className="error">{JSON.stringify(loadErrors, null, 2)}</pre>}
      {definition && (
        <>
          <p>
            {definition.description}{' '}
            <span className="muted">
              · mode {definition.mode} · {runbook.data.source} v{runbook.data.version}
              {definition.tags.length > 0 && ` · ${definition.tags.join(', ')}`}
            </span>
          </p>
          <div className="grid-2 align-top">
            <div className="panel">
              <h2>Steps</h2>
              <Steps steps={definition.steps} />
            </div>
            <SuccessByAlert runbookId={id} />
          </div>
          <IfRole role="operator">
            <RunPanel runbookId={id} params={definition.params} />
          </IfRole>
        </>
      )}
      {prose && (
        // react-markdown escapes raw HTML and drops unsafe URLs by default: runbook prose is shown, never run.
        <article className="panel prose" data-testid="prose">
          <Markdown remarkPlugins={[remarkGfm]}>{prose}</Markdown>
        </article>
      )}
    </section>
  );
}

function Steps({ steps }: { steps: StepDefinition[] }) {
  return (
    <table data-testid="steps">
      <thead>
        <tr>
          <th>Step</th>
          <th>Uses</th>
          <th>Runs when</th>
          <th>In a dry run</th>
        </tr>
      </thead>
      <tbody>
        {steps.map((step) => (
          <tr key={step.id}>
            <td>
              <strong>{step.id}</strong> {step.name && <div className="muted">{step.name}</div>}
            </td>
            <td>
              {step.uses}
              {step.mutating && <span className="badge">mutating</span>}
              {step.risk && <span className="badge">risk {step.risk}</span>}
            </td>
            <td className="mono">{step.if ?? 'always'}</td>
            <td>{dryRunFate(step) ?? 'runs'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
