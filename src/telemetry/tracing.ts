import type { BufferConfig, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { ProviderConfig } from '../config/schema.js';
import type { TelemetryConfig } from '../config/telemetry.js';
import type { UsageEvent } from '../store/types.js';
import type { SpanExtra } from './genai.js';

export { type SpanExtra, spanExtra } from './genai.js';

export interface KeelTracing {
  /** False when no OTLP endpoint is configured: callers may skip building the SpanExtra at all. */
  readonly enabled: boolean;
  /**
   * One CLIENT span per finished gateway call, created after the fact from the event's start time
   * and latency. Never throws; export happens in the background, batched.
   */
  recordSpan(event: UsageEvent, extra?: SpanExtra): void;
  /** One span per MCP tool call through /mcp (GenAI `execute_tool`), after the fact. Never throws. */
  recordToolCall(span: ToolCallSpan): void;
  /** Export everything batched so far (tests, graceful shutdown). Never rejects. */
  forceFlush(): Promise<void>;
  /** Flush and stop the exporter. Never rejects. */
  shutdown(): Promise<void>;
}

/** What a tool call's span says: who called which tool, how it ended, never arguments or results. */
export interface ToolCallSpan {
  callId: string;
  server: string;
  /** Catalogue name, `<server>__<tool>`. */
  tool: string;
  sessionId: string;
  useCase: string;
  keyId: string | null;
  /** `ok`, `tool_error`, `refused` or `failed`. */
  outcome: string;
  errorCode: string | null;
  /** Epoch ms. */
  start: number;
  end: number;
}

export interface TracingOptions {
  /** Configured providers, for gen_ai.provider.name and server.address. */
  providers?: readonly ProviderConfig[];
  serviceVersion?: string;
  /** Export failures (collector down, 4xx). Reported at most once per 30 s. */
  onExportError?: (err: unknown) => void;
  /** Replaces the OTLP exporter (tests). */
  exporter?: SpanExporter;
  batch?: BufferConfig;
}

const DISABLED: KeelTracing = {
  enabled: false,
  recordSpan: () => {},
  recordToolCall: () => {},
  forceFlush: async () => {},
  shutdown: async () => {},
};

/**
 * OpenTelemetry traces over OTLP/HTTP (JSON), only when `telemetry.otlp_endpoint` is set; otherwise
 * a constant no-op, and the OpenTelemetry SDK is not even loaded (it added ~30 MB of resident memory
 * to every Keel process, traced or not).
 */
export async function createTracing(
  config: TelemetryConfig,
  opts: TracingOptions = {},
): Promise<KeelTracing> {
  if (!config.otlp_endpoint && !opts.exporter) return DISABLED;
  const { createOtlpTracing } = await import('./otlp-tracing.js');
  return createOtlpTracing(config, opts);
}

/** OTEL_EXPORTER_OTLP_ENDPOINT semantics: a base URL gets the signal path appended. */
export function tracesUrl(endpoint: string): string {
  const u = new URL(endpoint);
  if (!u.pathname.endsWith('/v1/traces')) u.pathname = `${u.pathname.replace(/\/+$/, '')}/v1/traces`;
  return u.toString();
}
