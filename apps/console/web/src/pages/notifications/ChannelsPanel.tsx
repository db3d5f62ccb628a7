import { ErrorBox, Loading } from '../../ui/common';
import type { Channel } from './types';

/** Each channel of channels.yaml: enabled, or why not; its targets, rate limit and queue. */
export function ChannelsPanel({ channels, error }: { channels: Channel[] | undefined; error: unknown }) {
  if (error) return <ErrorBox error={error} />;
  if (!channels) return <Loading />;
  return (
    <table data-testid="channels">
      <thead>
        <tr>
          <th>Channel</th>
          <th>State</th>
          <th>Targets</th>
          <th>Rate limit</th>
          <th>Queued</th>
        </tr>
      </thead>
      <tbody>
        {channels.map((channel) => (
          <tr key={channel.name}>
            <td>
              <strong>{channel.name}</strong> <span className="muted">{channel.type}</span>
            </td>
            <td>
              <span className={`badge ${channel.enabled ? 'state-ok' : ''}`}>{channel.enabled ? 'enabled' : 'disabled'}</span>{' '}
              {channel.disabledReason && <span className="muted">{channel.disabledReason}</span>}
            </td>
            <td className="mono">{channel.targets.join(', ') || '—'}</td>
            <td>
              {channel.rateLimit.perMinute}/min (burst {channel.rateLimit.burst}){channel.fold && ', folds'}
            </td>
            <td>{channel.pending}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
