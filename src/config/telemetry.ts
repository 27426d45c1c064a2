import { z } from 'zod';

/**
 * The `telemetry:` section of keel.yaml. Lives beside the code that reads it; src/config/schema.ts
 * mounts it as `telemetry: telemetrySchema` so there is still one schema and one set of names.
 */
export const telemetrySchema = z
  .object({
    /** Serve Prometheus metrics at GET /metrics. */
    metrics_enabled: z.boolean().default(true),
    /** When set, /metrics needs `Authorization: Bearer <token>` (Prometheus `authorization.credentials`). */
    metrics_token: z.string().min(16).optional(),
    /** Distinct model / use-case label values kept per metric family; later ones collapse into "other". */
    metrics_max_label_values: z.number().int().positive().max(10_000).default(200),
    /** Node.js process metrics (CPU, memory, event-loop lag, GC) alongside Keel's own. */
    process_metrics: z.boolean().default(true),
    /**
     * OTLP/HTTP collector base URL, e.g. http://otel-collector:4318 (`/v1/traces` is appended unless
     * the path already ends with it). Unset: no tracing at all, and no cost on the request path.
     */
    otlp_endpoint: z.url().optional(),
    /** Extra headers on every export (collector auth, tenant). Values accept ${VAR}. */
    otlp_headers: z.record(z.string(), z.string()).default({}),
    /** `service.name` resource attribute on every span. */
    service_name: z.string().min(1).default('keel'),
    /** Share of root traces kept (0..1); a sampled incoming `traceparent` is always honoured. */
    trace_sample_ratio: z.number().min(0).max(1).default(1),
  })
  .strict();

export type TelemetryConfig = z.infer<typeof telemetrySchema>;

/** What `telemetry: {}` (or no section at all) means. */
export const TELEMETRY_DEFAULTS: TelemetryConfig = telemetrySchema.parse({});
