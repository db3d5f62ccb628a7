import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { api } from '../../api/client';
import { useSubmitOnce } from '../../ui/submit-once';
import { IfRole } from '../../auth/session';
import { ErrorBox } from '../../ui/common';
import { matchersFor } from './alert-filter';
import type { AlertView } from './types';

/** Acknowledge / Resolve / Silence for one alert: rendered only for operators (the API checks again and audits). */
export function AlertActions({ alert }: { alert: AlertView }) {
  return (
    <IfRole role="operator">
      <ActionButtons alert={alert} />
    </IfRole>
  );
}

function ActionButtons({ alert }: { alert: AlertView }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  // The alert's new state (not the answer) re-enables the buttons: see useSubmitOnce.
  const once = useSubmitOnce(`${alert.status}@${alert.updatedAt}`);
  const action = useMutation({
    mutationFn: (verb: 'acknowledge' | 'resolve') =>
      api<AlertView>('mapper', `/v1/alerts/${encodeURIComponent(alert.fingerprint)}/${verb}`, { method: 'POST', body: {} }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['alerts'] });
      void queryClient.invalidateQueries({ queryKey: ['alert', alert.fingerprint] });
    },
  });
  const silence = () => navigate(`/silences?${new URLSearchParams({ matchers: matchersFor(alert.labels) }).toString()}`);
  // Clicks here must not select (and so pause) the row they sit in.
  const stop = (run: () => void) => (event: { stopPropagation(): void }) => {
    event.stopPropagation();
    run();
  };
  return (
    <span className="row-actions">
      {alert.status === 'firing' && (
        <button type="button" disabled={action.isPending} onClick={stop(() => once(() => action.mutateAsync('acknowledge')))}>
          Acknowledge
        </button>
      )}
      {alert.status !== 'resolved' && (
        <button type="button" disabled={action.isPending} onClick={stop(() => once(() => action.mutateAsync('resolve')))}>
          Resolve
        </button>
      )}
      <button type="button" onClick={stop(silence)}>
        Silence
      </button>
      {action.isError && <ErrorBox error={action.error} />}
    </span>
  );
}
