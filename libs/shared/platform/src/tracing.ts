import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter, type SpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

/** The span attribute that joins traces with logs and events across services. */
export const CORRELATION_ID_ATTRIBUTE = 'vgp.correlation_id';

/** Lets traces and logs/events be joined: the active span (if any) carries the correlation id. */
export const tagActiveSpan = (correlationId: string): void => {
  trace.getActiveSpan()?.setAttribute(CORRELATION_ID_ATTRIBUTE, correlationId);
};

/** The platform's own tracer; a no-op until `startTracing` registered a provider. */
export const platformTracer = (): Tracer => trace.getTracer('@vgp/platform');

export type TracingOptions = {
  serviceName: string;
  softwareVersion: string;
  /** Defaults to process.env; only OTEL_EXPORTER_OTLP_ENDPOINT is read. */
  env?: Record<string, string | undefined>;
  /** Tests: export every span synchronously here (e.g. an InMemorySpanExporter) instead of OTLP. */
  exporter?: SpanExporter;
};

/** One lease on the process-wide provider; `release()` of the last lease flushes and shuts it down. */
export type TracingLease = { release(): Promise<void> };

type Running = { provider: TracerProvider; contextManager: AsyncLocalStorageContextManager; leases: number };
let running: Running | undefined;

/**
 * Registers the process-wide tracer provider, once: later calls (one per app in a process, or a test
 * helper before the app) share it and only take a lease. Spans leave the process only when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set (batched OTLP/HTTP); otherwise they are recorded, so the
 * correlation id still reaches the active span, and dropped.
 */
export const startTracing = (options: TracingOptions): TracingLease => {
  // The SDK cannot add a processor to a registered provider: a late exporter would record nothing.
  if (running && options.exporter) throw new Error('tracing is already started; pass the exporter before any app boots');
  running ??= register(options);
  running.leases++;
  let released = false;
  return {
    release: async () => {
      if (released || !running) return;
      released = true;
      if (--running.leases > 0) return;
      const { provider, contextManager } = running;
      running = undefined;
      await provider.forceFlush().catch(() => undefined); // an unreachable collector must not fail shutdown
      await provider.shutdown().catch(() => undefined);
      trace.disable();
      propagation.disable();
      context.disable();
      contextManager.disable();
    },
  };
};

const register = ({ serviceName, softwareVersion, env = process.env, exporter }: TracingOptions): Running => {
  const processors: SpanProcessor[] = [];
  if (exporter) processors.push(new SimpleSpanProcessor({ exporter }));
  else {
    const endpoint = otlpEndpoint(env.OTEL_EXPORTER_OTLP_ENDPOINT);
    if (endpoint) processors.push(new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }) }));
  }
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName, [ATTR_SERVICE_VERSION]: softwareVersion }),
    spanProcessors: processors,
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  return { provider, contextManager, leases: 0 };
};

/** The collector's base URL without a trailing slash, or undefined when unset; a malformed value fails boot. */
const otlpEndpoint = (value: string | undefined): string | undefined => {
  if (!value?.trim()) return undefined;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new Error('OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL');
  return url.href.replace(/\/+$/, '');
};
