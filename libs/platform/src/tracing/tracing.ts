import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { NodeSDK } from '@opentelemetry/sdk-node';

let sdk: NodeSDK | undefined;
let registered = false;

/**
 * Context and W3C propagation are always on, so trace ids cross the bus and reach the logs even
 * with no collector; the SDK and its OTLP exporter start only when an endpoint is configured.
 * They are loaded only then too: @opentelemetry/sdk-node pulls in every exporter it can configure
 * (about 2,100 modules, some 60 MB of RSS per service), which a service without a collector never uses.
 */
export async function startTracing(serviceName: string, otlpEndpoint: string | undefined): Promise<void> {
  if (!registered) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    registered = true;
  }
  if (!otlpEndpoint || sdk) return;
  const [{ NodeSDK }, { OTLPTraceExporter }, { HttpInstrumentation }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/instrumentation-http'),
  ]);
  // Checked again after the await: two services built in one process (tests) may race here.
  if (sdk) return;
  sdk = new NodeSDK({
    serviceName: `firebreak-${serviceName}`,
    traceExporter: new OTLPTraceExporter({ url: `${otlpEndpoint.replace(/\/$/, '')}/v1/traces` }),
    // A server span per request (continuing an incoming traceparent) so the events a request
    // publishes carry it: one trace from the webhook to the provider call.
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (request: { url?: string }) => /^\/(health|metrics)/.test(request.url ?? '') }),
    ],
  });
  sdk.start();
}

export async function stopTracing(): Promise<void> {
  await sdk?.shutdown();
  sdk = undefined;
}
