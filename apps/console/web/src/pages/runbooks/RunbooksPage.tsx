import { useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../../api/client';
import { Empty, ErrorBox, Loading, SeverityBadge, Time } from '../../ui/common';
import type { Catalogue, SearchHit } from './types';

export function RunbooksPage() {
  const catalogue = useQuery({
    queryKey: ['runbooks'],
    queryFn: ({ signal }) => api<Catalogue>('runbook-executor', '/v1/runbooks', { signal }),
  });
  const known = new Set(catalogue.data?.runbooks.map((runbook) => runbook.id));
  return (
    <section>
      <h1>Runbooks</h1>
      <KnowledgeSearch known={known} />
      <h2>Catalogue</h2>
      {catalogue.isPending && <Loading />}
      {catalogue.isError && <ErrorBox error={catalogue.error} />}
      {catalogue.data?.runbooks.length === 0 && <Empty>No runbooks are loaded.</Empty>}
      {!!catalogue.data?.runbooks.length && (
        <table className="panel" data-testid="runbook-catalogue">
          <thead>
            <tr>
              <th>Runbook</th>
              <th>Severity</th>
              <th>Mode</th>
              <th>Steps</th>
              <th>Tags</th>
              <th>Source</th>
            </tr>
          </thead>
          <tbody>
            {catalogue.data.runbooks.map((runbook) => (
              <tr key={runbook.id}>
                <td>
                  <Link to={`/runbooks/${encodeURIComponent(runbook.id)}`}>{runbook.title}</Link>{' '}
                  <span className="muted">{runbook.id}</span>
                  <div className="muted">{runbook.description}</div>
                </td>
                <td>
                  <SeverityBadge severity={runbook.severity} />
                </td>
                <td>
                  {runbook.mode}
                  {runbook.mutating && <span className="badge">mutating</span>}
                </td>
                <td>
                  {runbook.steps} <span className="muted">({runbook.stepTypes.join(', ')})</span>
                </td>
                <td>{runbook.tags.join(', ')}</td>
                <td>
                  {runbook.source} v{runbook.version}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {!!catalogue.data?.loadErrors.length && (
        <div className="panel">
          <h2>Runbooks that failed validation</h2>
          <pre>{JSON.stringify(catalogue.data.loadErrors, null, 2)}</pre>
        </div>
      )}
    </section>
  );
}

/** The knowledge service's full-text search over runbook prose and documents, with its relevance score. */
function KnowledgeSearch({ known }: { known: Set<string> }) {
  const [text, setText] = useState('');
  const [q, setQ] = useState('');
  const search = useQuery({
    queryKey: ['knowledge-search', q],
    queryFn: ({ signal }) =>
      api<{ results: SearchHit[]; total: number; search_time: string }>('knowledge', '/v1/knowledge/search', {
        query: { q, limit: 20 },
        signal,
      }),
    enabled: q !== '',
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setQ(text.trim());
  };
  return (
    <div className="panel">
      <form className="toolbar" onSubmit={submit} role="search">
        <input
          type="search"
          aria-label="Search the knowledge base"
          placeholder="search runbooks and write-ups"
          value={text}
          onChange={(event) => setText(event.target.value)}
        />
        <button type="submit">Search</button>
      </form>
      {search.isFetching && <Loading />}
      {search.isError && <ErrorBox error={search.error} />}
      {search.data && (
        <div data-testid="search-results">
          <p className="muted">
            {search.data.total} found in {search.data.search_time}
          </p>
          {search.data.results.map((hit) => (
            <div className="search-hit" key={hit.id}>
              <span className="relevance" title="relevance">
                <span className="relevance-bar" style={{ width: `${Math.round(hit.relevance_score * 100)}%` }} />
              </span>{' '}
              <span className="mono">{hit.relevance_score.toFixed(3)}</span>{' '}
              {known.has(hit.id) ? <Link to={`/runbooks/${encodeURIComponent(hit.id)}`}>{hit.title}</Link> : <strong>{hit.title}</strong>}{' '}
              <span className="muted">
                {hit.type} · <Time value={hit.last_updated} />
              </span>
              <div className="muted">{hit.summary}</div>
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
