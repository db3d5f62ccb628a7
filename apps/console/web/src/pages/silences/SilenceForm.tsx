import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../../api/client';
import { useSubmitOnce } from '../../ui/submit-once';
import { ErrorBox, Labels, Loading, StateBadge } from '../../ui/common';
import { filterByMatchers } from '../alerts/alert-filter';
import type { AlertPage, AlertView } from '../alerts/types';
import { readDraft, type SilenceDraft } from './silence-text';

/** Creates a silence; before it is sent, lists the current alerts it would match. */
export function SilenceForm({ initialMatchers }: { initialMatchers: string }) {
  const [matchersText, setMatchersText] = useState(initialMatchers);
  const [duration, setDuration] = useState('2h');
  const [comment, setComment] = useState('');
  const queryClient = useQueryClient();
  const draft = readDraft(matchersText, duration);
  const once = useSubmitOnce();
  const create = useMutation({
    mutationFn: (valid: SilenceDraft) =>
      api<{ id: string }>('mapper', '/v1/silences', {
        method: 'POST',
        body: { matchers: valid.texts, endsAt: new Date(Date.now() + valid.durationMs).toISOString(), comment },
      }),
    onSuccess: () => {
      setComment('');
      void queryClient.invalidateQueries({ queryKey: ['silences'] });
      void queryClient.invalidateQueries({ queryKey: ['alerts'] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!('error' in draft)) once(() => create.mutateAsync(draft));
  };
  return (
    <form className="panel silence-form" onSubmit={submit} aria-label="New silence">
      <h2>New silence</h2>
      <label>
        Matchers <span className="muted">(one per line, or name="value", name=~"regex" separated by commas)</span>
        <textarea rows={4} value={matchersText} onChange={(event) => setMatchersText(event.target.value)} aria-label="Matchers" />
      </label>
      <div className="toolbar">
        <label>
          Duration{' '}
          <input type="text" size={8} value={duration} onChange={(event) => setDuration(event.target.value)} aria-label="Duration" />
        </label>
        <label className="grow">
          Comment{' '}
          <input type="text" value={comment} onChange={(event) => setComment(event.target.value)} aria-label="Comment" placeholder="why" />
        </label>
        <button type="submit" className="primary" disabled={'error' in draft || !comment.trim() || create.isPending}>
          Create silence
        </button>
      </div>
      {'error' in draft ? (
        <p className="error" role="alert">
          {draft.error}
        </p>
      ) : (
        <Preview draft={draft} />
      )}
      {create.isError && <ErrorBox error={create.error} />}
      {create.isSuccess && <p className="muted">Silence {create.data.id} created.</p>}
    </form>
  );
}

function Preview({ draft }: { draft: SilenceDraft }) {
  const current = useQuery({
    queryKey: ['alerts', 'firing,acknowledged,silenced', ''],
    queryFn: ({ signal }) =>
      api<AlertPage>('mapper', '/v1/alerts', { query: { status: 'firing,acknowledged,silenced', limit: 500 }, signal }),
  });
  if (current.isPending) return <Loading />;
  if (current.isError) return <ErrorBox error={current.error} />;
  const matched = filterByMatchers(current.data.items, draft.matchers);
  // The mapper silences firing alerts only; acknowledged and already silenced ones match but stay as they are.
  const firing = matched.filter((alert) => alert.status === 'firing');
  const unchanged = matched.filter((alert) => alert.status !== 'firing');
  return (
    <div data-testid="silence-preview">
      <p>
        <strong>
          Would silence {firing.length} firing alert{firing.length === 1 ? '' : 's'}
        </strong>{' '}
        of the {current.data.items.length} open alerts.
      </p>
      {current.data.nextCursor && (
        <p className="muted" data-testid="preview-cut">
          Only the first {current.data.items.length} open alerts were checked; the silence may match more.
        </p>
      )}
      <PreviewList alerts={firing} testId="preview-alert" />
      {unchanged.length > 0 && (
        <div className="muted" data-testid="preview-unchanged">
          <p>Also matched, not changed (acknowledged or already silenced): {unchanged.length}</p>
          <PreviewList alerts={unchanged} testId="preview-unchanged-alert" />
        </div>
      )}
    </div>
  );
}

function PreviewList({ alerts, testId }: { alerts: AlertView[]; testId: string }) {
  return (
    <ul className="preview-list">
      {alerts.map((alert) => (
        <li key={alert.fingerprint} data-testid={testId}>
          <StateBadge state={alert.status} /> <Link to={`/alerts/${encodeURIComponent(alert.fingerprint)}`}>{alert.alertname}</Link>{' '}
          <Labels labels={alert.labels} hide={['alertname']} />
        </li>
      ))}
    </ul>
  );
}
