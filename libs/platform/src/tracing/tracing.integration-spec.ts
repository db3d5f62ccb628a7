import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Module } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import { resolveNatsUrl, uniqueTestId } from '@firebreak/testing';
import { createService } from '../http/bootstrap';
import { PlatformModule } from '../platform.module';
import { startTracing, stopTracing } from './tracing';

@Module({ imports: [PlatformModule.forService({ app: 'ingress' })] })
class StatelessAppModule {}

/** Whether any file of `pkg` has been loaded into this test's module registry. */
function loaded(pkg: string): boolean {
  return Object.keys(require.cache).some((file) => file.includes(`/node_modules/${pkg}/`));
}

/** An OTLP/HTTP collector: what each POST to /v1/traces carried. */
async function startCollector(): Promise<{ server: Server; url: string; bodies: string[] }> {
  const bodies: string[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method === 'POST' && request.url === '/v1/traces') bodies.push(Buffer.concat(chunks).toString('latin1'));
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, bodies };
}

describe('tracing', () => {
  beforeAll(async () => {
    process.env.NATS_URL = await resolveNatsUrl();
    process.env.FIREBREAK_SUBJECT_PREFIX = uniqueTestId('tracing');
    process.env.LOG_LEVEL = 'silent';
    delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  });

  afterAll(() => stopTracing());

  // First: once the SDK is loaded, it stays in the registry for the rest of the file.
  it('off (no endpoint): a started service has not loaded the OpenTelemetry SDK or its exporters', async () => {
    const app = await createService(StatelessAppModule, { app: 'ingress', description: 'test' });
    try {
      await app.init();
      expect(loaded('@opentelemetry/api')).toBe(true);
      expect(loaded('@opentelemetry/sdk-node')).toBe(false);
      expect(loaded('@opentelemetry/exporter-trace-otlp-http')).toBe(false);
      expect(loaded('@opentelemetry/sdk-metrics')).toBe(false);
    } finally {
      await app.close();
    }
  });

  it('on (an endpoint): spans reach the OTLP collector under the service name', async () => {
    const collector = await startCollector();
    try {
      await startTracing('ingress', collector.url);
      trace.getTracer('tracing-spec').startSpan('tracing-spec-span').end();
      await stopTracing(); // shutdown flushes the batch
      const body = collector.bodies.join('\n');
      expect(body).toContain('tracing-spec-span');
      expect(body).toContain('firebreak-ingress');
    } finally {
      await new Promise((resolve) => collector.server.close(resolve));
    }
  });
});
