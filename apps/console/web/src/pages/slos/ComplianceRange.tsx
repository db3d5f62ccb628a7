import { useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import { ErrorBox, Loading } from '../../ui/common';
import type { ComplianceTarget } from './types';

interface ComplianceReport {
  status: string;
  d_from: string;
  d_to: string;
  days_analyzed: number;
  overall_pass: boolean;
  [sloId: string]: unknown;
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Compliance of one SLO over whole UTC days of a chosen range (`GET /api/v1/slo?date_from&date_to`). */
export function ComplianceRange({ sloId }: { sloId: string }) {
  const [from, setFrom] = useState(() => isoDay(Date.now() - 6 * 86_400_000));
  const [to, setTo] = useState(() => isoDay(Date.now()));
  const [range, setRange] = useState({ from, to });
  const report = useQuery({
    queryKey: ['slo-compliance', range],
    queryFn: ({ signal }) =>
      api<ComplianceReport>('slo-reporter', '/v1/slo', { query: { date_from: range.from, date_to: range.to }, signal }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setRange({ from, to });
  };
  return (
    <div className="panel" data-testid="compliance">
      <form className="toolbar" onSubmit={submit}>
        <label>
          From <input type="date" aria-label="from" value={from} onChange={(event) => setFrom(event.target.value)} />
        </label>
        <label>
          To <input type="date" aria-label="to" value={to} onChange={(event) => setTo(event.target.value)} />
        </label>
        <button type="submit">Show compliance</button>
      </form>
      {report.isPending ? (
        <Loading />
      ) : report.isError ? (
        <ErrorBox error={report.error} />
      ) : (
        <Result target={report.data[sloId] as ComplianceTarget | undefined} report={report.data} />
      )}
    </div>
  );
}

function Result({ target, report }: { target: ComplianceTarget | undefined; report: ComplianceReport }) {
  if (!target) return <p className="muted">This SLO is not in the report.</p>;
  const verdict = target.pass === null ? 'no data' : target.pass ? 'met' : 'missed';
  const numbers =
    'target_pct' in target
      ? `${target.actual_pct ?? '—'} % against ${target.target_pct} %`
      : `p95 ${target.actual_p95_ms ?? '—'} ms against ${target.target_p95_ms} ms`;
  return (
    <p>
      <span className={`badge ${target.pass === false ? 'state-failed' : target.pass ? 'state-ok' : ''}`}>{verdict}</span> {numbers}{' '}
      <span className="muted">
        ({report.d_from} to {report.d_to}, {report.days_analyzed} days)
      </span>
    </p>
  );
}
