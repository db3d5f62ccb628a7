import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import { ErrorBox, Loading, StateBadge } from '../../ui/common';

/** `GET /api/console/health` (`apps/console/src/health/console-health.service.ts`). */
interface HealthReport {
  services: Array<{ service: string; url: string; status?: number; body?: unknown; unreachable?: string }>;
  consumers: Array<{ stream: string; durable: string; pending: number; ackPending: number; redelivered: number }>;
  dlq: { stream: string; messages?: number; error?: string };
  busError?: string;
}

/** Terminus' readiness body: which dependencies are down. */
interface ReadyBody {
  error?: Record<string, { status: string; message?: string }>;
}

export function HealthPage() {
  const health = useQuery({
    queryKey: ['console-health'],
    queryFn: ({ signal }) => api<HealthReport>('console', '/health', { signal }),
    refetchInterval: 10_000,
  });
  if (health.isPending) return <Loading />;
  if (health.isError) return <ErrorBox error={health.error} />;
  const { services, consumers, dlq, busError } = health.data;
  return (
    <section>
      <h1>Health</h1>
      <div className="grid-2 align-top">
        <div className="panel">
          <h2>Services</h2>
          <ServicesTable services={services} />
        </div>
        <div className="panel">
          <h2>Dead letters</h2>
          <p data-testid="dlq">
            {dlq.error ? (
              <span className="error">{dlq.error}</span>
            ) : (
              <>
                <strong className={dlq.messages ? 'dlq-nonzero' : ''}>{dlq.messages ?? 0}</strong> message{dlq.messages === 1 ? '' : 's'} in{' '}
                <span className="mono">{dlq.stream}</span>
              </>
            )}
          </p>
        </div>
      </div>
      <div className="panel">
        <h2>Consumer lag</h2>
        {busError && <p className="error">NATS: {busError}</p>}
        <ConsumersTable consumers={consumers} />
      </div>
    </section>
  );
}

function downDependencies(body: unknown): string | undefined {
  const error = (body as ReadyBody | undefined)?.error;
  if (!error || typeof error !== 'object') return undefined;
  const down = Object.entries(error).map(([name, detail]) => `${name}: ${detail?.message ?? detail?.status ?? 'down'}`);
  return down.length ? down.join('; ') : undefined;
}

function ServicesTable({ services }: { services: HealthReport['services'] }) {
  return (
    <table data-testid="services">
      <thead>
        <tr>
          <th>Service</th>
          <th>Ready</th>
          <th>Details</th>
        </tr>
      </thead>
      <tbody>
        {services.map((service) => (
          <tr key={service.service}>
            <td>
              {service.service} <div className="muted mono">{service.url}</div>
            </td>
            <td>
              <StateBadge state={service.status === 200 ? 'ok' : service.status === undefined ? 'unreachable' : 'failed'} />
            </td>
            <td className="muted">
              {service.unreachable ?? downDependencies(service.body) ?? (service.status === 200 ? '' : `HTTP ${service.status}`)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ConsumersTable({ consumers }: { consumers: HealthReport['consumers'] }) {
  return (
    <table data-testid="consumers">
      <thead>
        <tr>
          <th>Consumer</th>
          <th>Stream</th>
          <th>Pending</th>
          <th>Unacknowledged</th>
          <th>Redelivered</th>
        </tr>
      </thead>
      <tbody>
        {[...consumers]
          .sort((a, b) => b.pending + b.ackPending - (a.pending + a.ackPending) || a.durable.localeCompare(b.durable))
          .map((consumer) => (
            <tr key={`${consumer.stream}/${consumer.durable}`}>
              <td className="mono">{consumer.durable}</td>
              <td className="mono">{consumer.stream}</td>
              <td>{consumer.pending}</td>
              <td>{consumer.ackPending}</td>
              <td>{consumer.redelivered}</td>
            </tr>
          ))}
      </tbody>
    </table>
  );
}
