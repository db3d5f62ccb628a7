import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { api } from '../../api/client';
import { useSubmitOnce } from '../../ui/submit-once';
import { IfRole } from '../../auth/session';
import { Empty, ErrorBox, Loading, StateBadge, Time } from '../../ui/common';
import { SilenceForm } from './SilenceForm';

/** A silence as the mapper's API shows it (`apps/mapper/src/silences/silences.service.ts`). */
interface SilenceView {
  id: string;
  matchers: string[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
  state: 'pending' | 'active' | 'expired';
  applied: boolean;
  problem?: string;
}

const STATES = ['', 'active', 'pending', 'expired'] as const;

export function SilencesPage() {
  const [params] = useSearchParams();
  const [state, setState] = useState<(typeof STATES)[number]>('');
  const silences = useQuery({
    queryKey: ['silences', state],
    queryFn: ({ signal }) => api<{ items: SilenceView[] }>('mapper', '/v1/silences', { query: { state }, signal }),
  });
  return (
    <section>
      <h1>Silences</h1>
      <IfRole role="operator">
        {/* Keyed by the prefill so "Silence" on another alert starts a fresh form. */}
        <SilenceForm key={params.get('matchers') ?? ''} initialMatchers={params.get('matchers') ?? ''} />
      </IfRole>
      <div className="toolbar">
        {STATES.map((value) => (
          <button key={value} type="button" className={state === value ? 'selected' : ''} onClick={() => setState(value)}>
            {value || 'all'}
          </button>
        ))}
      </div>
      {silences.isPending && <Loading />}
      {silences.isError && <ErrorBox error={silences.error} />}
      {silences.data?.items.length === 0 && <Empty>No silences.</Empty>}
      {!!silences.data?.items.length && (
        <table className="panel">
          <thead>
            <tr>
              <th>State</th>
              <th>Matchers</th>
              <th>Window</th>
              <th>By</th>
              <th>Comment</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {silences.data.items.map((silence) => (
              <SilenceRow key={silence.id} silence={silence} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function SilenceRow({ silence }: { silence: SilenceView }) {
  const queryClient = useQueryClient();
  const once = useSubmitOnce(`${silence.state}@${silence.endsAt}`);
  const expire = useMutation({
    mutationFn: () => api('mapper', `/v1/silences/${encodeURIComponent(silence.id)}`, { method: 'DELETE' }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['silences'] });
      void queryClient.invalidateQueries({ queryKey: ['alerts'] });
    },
  });
  return (
    <tr data-testid="silence-row">
      <td>
        <StateBadge state={silence.state} />
        {silence.problem && <div className="error">{silence.problem}</div>}
      </td>
      <td>
        <span className="labels">
          {silence.matchers.map((matcher, index) => (
            <span className="label" key={index}>
              {matcher}
            </span>
          ))}
        </span>
      </td>
      <td>
        <Time value={silence.startsAt} /> → <Time value={silence.endsAt} />
      </td>
      <td>{silence.createdBy}</td>
      <td className="prose-text">{silence.comment}</td>
      <td>
        {silence.state !== 'expired' && (
          <IfRole role="operator">
            <button type="button" className="danger" disabled={expire.isPending} onClick={() => once(() => expire.mutateAsync())}>
              Expire
            </button>
          </IfRole>
        )}
        {expire.isError && <ErrorBox error={expire.error} />}
      </td>
    </tr>
  );
}
