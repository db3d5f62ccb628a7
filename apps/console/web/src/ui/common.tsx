import type { ReactNode } from 'react';
import { errorText } from '../api/client';

// Every value shown here may come from an alert label: it is rendered as React text (escaped), never as
// HTML, and links are only ever built from http(s) URLs (see SafeLink).

export function ErrorBox({ error }: { error: unknown }) {
  return (
    <p className="error" role="alert">
      {errorText(error)}
    </p>
  );
}

export function Loading() {
  return <p className="muted">Loading…</p>;
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="muted empty">{children}</p>;
}

/** A timestamp as local time, with the ISO value on hover. */
export function Time({ value }: { value: string | null | undefined }) {
  if (!value) return <span className="muted">—</span>;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return <span>{value}</span>;
  return (
    <time dateTime={date.toISOString()} title={date.toISOString()}>
      {date.toLocaleString()} <span className="muted">({relative(date)})</span>
    </time>
  );
}

export function relative(date: Date, now = Date.now()): string {
  const seconds = Math.round((now - date.getTime()) / 1000);
  const abs = Math.abs(seconds);
  const [amount, unit] =
    abs < 60
      ? [abs, 's']
      : abs < 3600
        ? [Math.round(abs / 60), 'm']
        : abs < 86400
          ? [Math.round(abs / 3600), 'h']
          : [Math.round(abs / 86400), 'd'];
  return seconds >= 0 ? `${amount}${unit} ago` : `in ${amount}${unit}`;
}

const SEVERITY_CLASS: Record<string, string> = { critical: 'sev-critical', error: 'sev-error', warning: 'sev-warning', info: 'sev-info' };

export function SeverityBadge({ severity }: { severity: string | null | undefined }) {
  return <span className={`badge ${SEVERITY_CLASS[severity ?? ''] ?? 'sev-other'}`}>{severity ?? 'none'}</span>;
}

/** A state word (firing, resolved, succeeded, failed, waiting…) as a coloured badge. */
export function StateBadge({ state }: { state: string }) {
  return <span className={`badge state state-${state.replace(/[^a-z_]/gi, '')}`}>{state}</span>;
}

/** Labels as `name=value` chips; `hide` leaves out the ones a group header already shows. */
export function Labels({ labels, hide = [] }: { labels: Record<string, string> | null | undefined; hide?: string[] }) {
  const entries = Object.entries(labels ?? {}).filter(([name]) => !hide.includes(name));
  if (entries.length === 0) return null;
  return (
    <span className="labels">
      {entries.map(([name, value]) => (
        <span className="label" key={name}>
          {name}={value}
        </span>
      ))}
    </span>
  );
}

/** A link only when the URL is http(s); anything else (javascript:, data:) is shown as text. */
export function SafeLink({ href, children }: { href: string | null | undefined; children: ReactNode }) {
  if (!href || !/^https?:\/\//i.test(href)) return <span>{children}</span>;
  return (
    <a href={href} target="_blank" rel="noopener noreferrer">
      {children}
    </a>
  );
}
