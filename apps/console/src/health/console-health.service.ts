import { Inject, Injectable } from '@nestjs/common';
import { BusConnection, SubjectNames } from '@firebreak/bus';
import { AppName, streamDefinitions, streamName } from '@firebreak/contracts';
import { CONFIG } from '@firebreak/platform';
import { ConsoleConfig, upstreamUrl } from '../service';
import { UPSTREAMS } from '../upstreams';

const READY_TIMEOUT_MS = 3_000;

export interface ServiceReadiness {
  service: AppName;
  url: string;
  /** The HTTP status of its /health/ready; absent when it did not answer. */
  status?: number;
  body?: unknown;
  unreachable?: string;
}

export interface ConsumerLag {
  stream: string;
  durable: string;
  pending: number;
  ackPending: number;
  redelivered: number;
}

export interface HealthReport {
  services: ServiceReadiness[];
  consumers: ConsumerLag[];
  dlq: { stream: string; messages?: number; error?: string };
  /** Set when NATS could not be asked about consumers. */
  busError?: string;
}

/**
 * Each service's own readiness answer, and JetStream's view of the consumers: read-only calls
 * (stream and consumer info), with the installation's prefix as the bus applies it.
 */
@Injectable()
export class ConsoleHealthService {
  constructor(
    @Inject(CONFIG) private readonly config: ConsoleConfig,
    private readonly connection: BusConnection,
    private readonly subjects: SubjectNames,
  ) {}

  async report(): Promise<HealthReport> {
    const [services, consumers, dlq] = await Promise.all([
      Promise.all(UPSTREAMS.map((service) => this.readiness(service))),
      this.consumers(),
      this.deadLetters(),
    ]);
    return { services, consumers: consumers.lags, dlq, ...(consumers.error ? { busError: consumers.error } : {}) };
  }

  private async readiness(service: AppName): Promise<ServiceReadiness> {
    const url = upstreamUrl(this.config, service);
    try {
      const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(READY_TIMEOUT_MS) });
      const text = await response.text();
      return { service, url, status: response.status, body: parseJson(text) };
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      return { service, url, unreachable: cause?.code ?? (error as Error).message };
    }
  }

  private async consumers(): Promise<{ lags: ConsumerLag[]; error?: string }> {
    const lags: ConsumerLag[] = [];
    try {
      for (const { name } of streamDefinitions({ subjectPrefix: this.subjects.prefix })) {
        for await (const info of this.connection.jsm.consumers.list(name)) {
          lags.push({
            stream: name,
            durable: info.config.durable_name ?? info.name,
            pending: info.num_pending,
            ackPending: info.num_ack_pending,
            redelivered: info.num_redelivered,
          });
        }
      }
      return { lags };
    } catch (error) {
      return { lags, error: (error as Error).message };
    }
  }

  private async deadLetters(): Promise<HealthReport['dlq']> {
    const stream = streamName('FIREBREAK_DLQ', this.subjects.prefix);
    try {
      return { stream, messages: (await this.connection.jsm.streams.info(stream)).state.messages };
    } catch (error) {
      return { stream, error: (error as Error).message };
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text.slice(0, 1000);
  }
}
