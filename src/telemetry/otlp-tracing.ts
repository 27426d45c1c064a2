import { type Context, ROOT_CONTEXT, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode, parseTraceParent, TraceState } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  type ReadableSpan,
  type SpanExporter,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import type { TelemetryConfig } from '../config/telemetry.js';
import {
  endAttributes,
  providerIdentities,
  providerOf,
  type SpanExtra,
  spanName,
  startAttributes,
} from './genai.js';
import { type KeelTracing, type TracingOptions, tracesUrl } from './tracing.js';

const INSTRUMENTATION_SCOPE = 'keel-gateway';
const ERROR_REPORT_INTERVAL_MS = 30_000;

/**
 * The OTLP side of createTracing(), loaded only when tracing is on. The provider is private to this
 * instance and never registered globally, so several Keel instances (tests) do not share or fight
 * over it.
 */
export function createOtlpTracing(config: TelemetryConfig, opts: TracingOptions): KeelTracing {
  const exporter = reporting(
    opts.exporter ??
      new OTLPTraceExporter({
        url: tracesUrl(config.otlp_endpoint as string),
        headers: { ...config.otlp_headers },
      }),
    opts.onExportError,
  );
  const provider = new BasicTracerProvider({
    resource: defaultResource().merge(
      resourceFromAttributes({
        'service.name': config.service_name,
        ...(opts.serviceVersion ? { 'service.version': opts.serviceVersion } : {}),
      }),
    ),
    sampler: new ParentBasedSampler({
      root:
        config.trace_sample_ratio >= 1
          ? new AlwaysOnSampler()
          : new TraceIdRatioBasedSampler(config.trace_sample_ratio),
    }),
    spanProcessors: [new BatchSpanProcessor(exporter, opts.batch)],
  });
  const tracer: Tracer = provider.getTracer(INSTRUMENTATION_SCOPE);
  const providers = providerIdentities(opts.providers ?? []);
  let stopped = false;

  return {
    enabled: true,
    recordSpan(event, extra = {}) {
      if (stopped) return;
      try {
        const who = providerOf(event, providers);
        const span = tracer.startSpan(
          spanName(event),
          { kind: SpanKind.CLIENT, startTime: event.ts, attributes: startAttributes(event, who) },
          parentContext(extra),
        );
        // Set apart from the start attributes, which the SDK copies twice more for the sampler.
        if (span.isRecording()) span.setAttributes(endAttributes(event, extra, who));
        if (event.errorCode !== null)
          span.setStatus({ code: SpanStatusCode.ERROR, message: event.errorCode });
        span.end(event.ts + Math.max(0, event.latencyMs));
      } catch {
        // Tracing must never fail a request.
      }
    },
    recordToolCall(t) {
      if (stopped) return;
      try {
        const span = tracer.startSpan(
          `execute_tool ${t.tool}`,
          {
            kind: SpanKind.CLIENT,
            startTime: t.start,
            attributes: {
              'gen_ai.operation.name': 'execute_tool',
              'gen_ai.tool.name': t.tool,
              'gen_ai.tool.call.id': t.callId,
              'mcp.method.name': 'tools/call',
              'mcp.session.id': t.sessionId,
              'keel.mcp.server': t.server,
              'keel.mcp.outcome': t.outcome,
              'keel.use_case': t.useCase,
              ...(t.keyId ? { 'keel.key_id': t.keyId } : {}),
              ...(t.errorCode ? { 'error.type': t.errorCode } : {}),
            },
          },
          ROOT_CONTEXT,
        );
        if (t.errorCode !== null) span.setStatus({ code: SpanStatusCode.ERROR, message: t.errorCode });
        span.end(Math.max(t.start, t.end));
      } catch {
        // Tracing must never fail a call.
      }
    },
    // A failed export was already reported; closing Keel must not fail because a collector is down.
    forceFlush: () => provider.forceFlush().catch(() => {}),
    shutdown: async () => {
      if (stopped) return;
      stopped = true;
      await provider.shutdown().catch(() => {});
    },
  };
}

/** The incoming request's W3C trace context, or the root (a new trace) when absent or malformed. */
function parentContext(extra: SpanExtra): Context {
  if (!extra.traceparent) return ROOT_CONTEXT;
  const sc = parseTraceParent(extra.traceparent.trim());
  if (!sc || !trace.isSpanContextValid(sc)) return ROOT_CONTEXT;
  sc.isRemote = true;
  if (extra.tracestate) {
    try {
      sc.traceState = new TraceState(extra.tracestate);
    } catch {
      // A malformed tracestate is dropped, the parent kept (W3C: vendors' state is optional).
    }
  }
  return trace.setSpanContext(ROOT_CONTEXT, sc);
}

/** The SDK swallows export failures; surface them (rate-limited) so a dead collector is noticed. */
function reporting(inner: SpanExporter, onError: ((err: unknown) => void) | undefined): SpanExporter {
  if (!onError) return inner;
  let lastReport = 0;
  return {
    export(spans: ReadableSpan[], done: (r: ExportResult) => void) {
      inner.export(spans, (r) => {
        if (r.code !== ExportResultCode.SUCCESS && Date.now() - lastReport >= ERROR_REPORT_INTERVAL_MS) {
          lastReport = Date.now();
          try {
            onError(r.error ?? new Error('OTLP trace export failed'));
          } catch {
            // A failing error reporter must not break the exporter.
          }
        }
        done(r);
      });
    },
    shutdown: () => inner.shutdown(),
    ...(inner.forceFlush ? { forceFlush: () => inner.forceFlush?.() ?? Promise.resolve() } : {}),
  };
}
