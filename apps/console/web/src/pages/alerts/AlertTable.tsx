import { Link } from 'react-router';
import { Labels, SeverityBadge, StateBadge, Time } from '../../ui/common';
import { AlertActions } from './AlertActions';
import type { AlertView } from './types';

interface Props {
  alerts: AlertView[];
  /** Labels the whole group shares: shown once in the header, left out of each row. */
  common: Record<string, string>;
  selected: string | null;
  onSelect: (fingerprint: string | null) => void;
  /** The group's alertname; a flat list (no title) shows the alertname per row. */
  title?: string;
}

export function AlertTable({ alerts, common, selected, onSelect, title }: Props) {
  const hide = title === undefined ? ['alertname'] : Object.keys(common);
  return (
    <>
      {title !== undefined && (
        <div className="group-header">
          <strong>{title}</strong> <span className="muted">{alerts.length}</span> <Labels labels={common} hide={['alertname']} />
        </div>
      )}
      <table>
        <thead>
          <tr>
            {title === undefined && <th>Alert</th>}
            <th>State</th>
            <th>Severity</th>
            <th>Labels</th>
            <th>Since</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {alerts.map((alert) => (
            <AlertRow
              key={alert.fingerprint}
              alert={alert}
              hide={hide}
              flat={title === undefined}
              selected={selected}
              onSelect={onSelect}
            />
          ))}
        </tbody>
      </table>
    </>
  );
}

function AlertRow({
  alert,
  hide,
  flat,
  selected,
  onSelect,
}: { alert: AlertView; hide: string[]; flat: boolean } & Pick<Props, 'selected' | 'onSelect'>) {
  const isSelected = selected === alert.fingerprint;
  return (
    <>
      <tr
        className={`clickable${isSelected ? ' selected' : ''}`}
        data-testid="alert-row"
        data-fingerprint={alert.fingerprint}
        aria-selected={isSelected}
        onClick={() => onSelect(isSelected ? null : alert.fingerprint)}
      >
        {flat && <td>{alert.alertname}</td>}
        <td>
          <StateBadge state={alert.status} />
        </td>
        <td>
          <SeverityBadge severity={alert.severity} />
        </td>
        <td>
          <Labels labels={alert.labels} hide={hide} />
        </td>
        <td>
          <Time value={alert.startsAt} />
        </td>
        <td>
          <Link to={`/alerts/${encodeURIComponent(alert.fingerprint)}`} onClick={(event) => event.stopPropagation()}>
            Details
          </Link>{' '}
          <AlertActions alert={alert} />
        </td>
      </tr>
      {isSelected && (
        <tr className="selected">
          <td colSpan={flat ? 6 : 5}>
            <AlertSummary alert={alert} />
          </td>
        </tr>
      )}
    </>
  );
}

function AlertSummary({ alert }: { alert: AlertView }) {
  return (
    <div className="alert-summary">
      {alert.annotations.summary && <p>{alert.annotations.summary}</p>}
      {alert.annotations.description && <p className="muted">{alert.annotations.description}</p>}
      <p className="muted">
        fingerprint <code>{alert.fingerprint}</code> · seen {alert.occurrences}× · last <Time value={alert.lastSeen} />
        {alert.acknowledgement && <> · acknowledged by {alert.acknowledgement.by ?? 'someone'}</>}
        {alert.runbook && (
          <>
            {' '}
            · runbook {alert.runbook.id}: {alert.runbook.status}
          </>
        )}
      </p>
    </div>
  );
}
