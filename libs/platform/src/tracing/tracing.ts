import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';

let sdk: NodeSDK | undefined;
let registered = false;

/**
 * Context and W3C propagation are always on, so trace ids cross the bus and reach the logs even
 * with no collector; the SDK and its OTLP exporter start only when an endpoint is configured.
 */
export function startTracing(serviceName: string, otlpEndpoint: string | undefined): void {
  if (!registered) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    registered = true;
  }
  if (!otlpEndpoint || sdk) return;
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
