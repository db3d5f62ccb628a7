import { useState, type ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import { useLiveEvents } from '../../live/events';
import { useLiveInvalidate } from '../../live/invalidate';
import { Empty, ErrorBox, Loading } from '../../ui/common';
import { filterByMatchers, groupByAlertname, parseFilter } from './alert-filter';
import { AlertTable } from './AlertTable';
import type { AlertPage, AlertView } from './types';

const STATUSES: Array<[string, string]> = [
  ['firing,acknowledged,silenced', 'open (firing, acknowledged, silenced)'],
  ['firing', 'firing'],
  ['acknowledged', 'acknowledged'],
  ['silenced', 'silenced'],
  ['resolved', 'resolved'],
  ['', 'any state'],
];
const SEVERITIES = ['', 'critical', 'error', 'warning', 'info'];
const PAGE = 500;

export function AlertsPage() {
  const [filterText, setFilterText] = useState('');
  const [status, setStatus] = useState(STATUSES[0][0]);
  const [severity, setSeverity] = useState('');
  const [grouped, setGrouped] = useState(true);
  const [selected, setSelected] = useState<string | null>(null);
  const [waiting, setWaiting] = useState(0);
  const invalidate = useLiveInvalidate();
  const alerts = useQuery({
    queryKey: ['alerts', status, severity],
    queryFn: ({ signal }) => api<AlertPage>('mapper', '/v1/alerts', { query: { status, severity, limit: PAGE }, signal }),
  });
  // A selected row holds the list still (so it does not move under the pointer); updates are counted instead.
  useLiveEvents(['alerts.state.changed'], () => {
    if (selected) setWaiting((n) => n + 1);
    else invalidate(['alerts']);
  });
  const select = (fingerprint: string | null) => {
    setSelected(fingerprint);
    if (fingerprint === null && waiting > 0) {
      setWaiting(0);
      invalidate(['alerts']);
    }
  };
  const filter = parseFilter(filterText);
  const shown = alerts.data && 'matchers' in filter ? filterByMatchers(alerts.data.items, filter.matchers) : [];
  return (
    <section>
      <h1>Alerts</h1>
      <Toolbar
        filterText={filterText}
        onFilterText={setFilterText}
        status={status}
        onStatus={setStatus}
        severity={severity}
        onSeverity={setSeverity}
        grouped={grouped}
        onGrouped={setGrouped}
      >
        <LiveState paused={selected !== null} waiting={waiting} onResume={() => select(null)} />
      </Toolbar>
      {'error' in filter && (
        <p className="error" role="alert" data-testid="filter-error">
          Filter: {filter.error}
        </p>
      )}
      {alerts.isPending && <Loading />}
      {alerts.isError && <ErrorBox error={alerts.error} />}
      {alerts.data?.nextCursor && <p className="muted">Showing the newest {PAGE} alerts of this state; narrow the state or severity.</p>}
      {alerts.data && shown.length === 0 && <Empty>No alerts match.</Empty>}
      {shown.length > 0 && <AlertList alerts={shown} grouped={grouped} selected={selected} onSelect={select} />}
    </section>
  );
}

function LiveState({ paused, waiting, onResume }: { paused: boolean; waiting: number; onResume: () => void }) {
  if (!paused) return <span className="muted">live</span>;
  return (
    <span className="paused" data-testid="paused">
      paused while a row is selected{waiting > 0 ? ` — ${waiting} update${waiting === 1 ? '' : 's'} waiting` : ''}{' '}
      <button type="button" onClick={onResume}>
        Resume
      </button>
    </span>
  );
}

interface ToolbarProps {
  filterText: string;
  onFilterText: (text: string) => void;
  status: string;
  onStatus: (status: string) => void;
  severity: string;
  onSeverity: (severity: string) => void;
  grouped: boolean;
  onGrouped: (grouped: boolean) => void;
  children: ReactNode;
}

function Toolbar({ filterText, onFilterText, status, onStatus, severity, onSeverity, grouped, onGrouped, children }: ToolbarProps) {
  return (
    <div className="toolbar">
      <input
        type="search"
        aria-label="Filter (Alertmanager matchers)"
        placeholder='severity="critical", service=~"api.*"'
        value={filterText}
        onChange={(event) => onFilterText(event.target.value)}
      />
      <select aria-label="State" value={status} onChange={(event) => onStatus(event.target.value)}>
        {STATUSES.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
      <select aria-label="Severity" value={severity} onChange={(event) => onSeverity(event.target.value)}>
        {SEVERITIES.map((value) => (
          <option key={value} value={value}>
            {value || 'any severity'}
          </option>
        ))}
      </select>
      <label>
        <input type="checkbox" checked={grouped} onChange={(event) => onGrouped(event.target.checked)} /> group by alertname
      </label>
      {children}
    </div>
  );
}

function AlertList({
  alerts,
  grouped,
  selected,
  onSelect,
}: {
  alerts: AlertView[];
  grouped: boolean;
  selected: string | null;
  onSelect: (fingerprint: string | null) => void;
}) {
  if (!grouped)
    return (
      <div className="panel">
        <AlertTable alerts={alerts} common={{}} selected={selected} onSelect={onSelect} />
      </div>
    );
  return groupByAlertname(alerts).map((group) => (
    <div className="panel alert-group" key={group.alertname} data-testid="alert-group">
      <AlertTable alerts={group.items} common={group.common} selected={selected} onSelect={onSelect} title={group.alertname} />
    </div>
  ));
}
