import { z } from 'zod';
import { failurePolicySchema } from './failure-policy.js';
import { guardsSchema } from './guards.js';
import { mcpConfigSchema, mcpServersSchema } from './mcp.js';
import { oidcSchema } from './oidc.js';
import { modelSchema, priceOverride, providerSchema } from './providers.js';
import { redteamConfigSchema, unknownScheduleModels } from './redteam.js';
import { TELEMETRY_DEFAULTS, telemetrySchema } from './telemetry.js';
import {
  alertsConfigSchema,
  costAllocationSchema,
  retentionConfigSchema,
  useCasesConfigSchema,
  valueConfigSchema,
} from './value.js';

/**
 * The whole of Keel's configuration: one schema, parsed once at start-up (src/config/load.ts) and
 * passed down. Keys mirror keel.yaml (snake_case) so the docs, the file and the code use one name.
 */

export const configSchema = z
  .object({
    server: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8700),
        /** Largest request body accepted, in bytes. */
        max_body_bytes: z
          .number()
          .int()
          .positive()
          .default(4 * 1024 * 1024),
        /** Honour X-Forwarded-For only when Keel runs behind a proxy you control. */
        trust_proxy: z.boolean().default(false),
        /** After SIGTERM, /readyz answers 503 and new connections are still accepted this long. */
        drain_s: z.number().min(0).default(5),
        /**
         * Seconds from SIGTERM (drain_s included) that in-flight calls get to finish; then open streams
         * end with an error event and other requests are aborted. Keep it under the orchestrator's grace.
         */
        shutdown_grace_s: z.number().min(0).default(25),
      })
      .strict()
      .default({
        host: '127.0.0.1',
        port: 8700,
        max_body_bytes: 4 * 1024 * 1024,
        trust_proxy: false,
        drain_s: 5,
        shutdown_grace_s: 25,
      }),
    database: z
      .object({
        url: z.string().default('sqlite:.keel/keel.db'),
        /** auto: `keel start` applies pending migrations; off: it refuses to start until `keel migrate`. */
        migrate: z.enum(['auto', 'off']).default('auto'),
        /** PostgreSQL not reachable at start: keep trying this long, then exit with a clear message. */
        connect_wait_s: z.number().min(0).default(30),
      })
      .strict()
      .default({ url: 'sqlite:.keel/keel.db', migrate: 'auto', connect_wait_s: 30 }),
    auth: z
      .object({
        /** When true every /v1 call needs a key. Defaults to true as soon as any key is configured. */
        required: z.boolean().optional(),
        keys: z
          .array(
            z
              .object({
                name: z.string(),
                key: z.string().min(8),
                use_case: z.string().optional(),
                team: z.string().optional(),
              })
              .strict(),
          )
          .default([]),
        /** Command Room sign-in with an OpenID Connect IdP (config/oidc.ts). */
        oidc: oidcSchema.optional(),
      })
      .strict()
      .default({ keys: [] }),
    admin: z
      .object({ token: z.string().min(16).optional() })
      .strict()
      .default({}),
    /** Limits shared by every key of a team or use case; a call must fit all that apply. */
    budgets: z
      .array(
        z
          .object({
            scope: z.enum(['team', 'use_case']),
            id: z.string().min(1),
            usd: z.number().positive(),
            period: z.enum(['day', 'month', 'total']).default('month'),
          })
          .strict(),
      )
      .default([]),
    audit: z
      .object({
        /** HMAC-SHA256 key that signs checkpoints; without one, checkpoints are unsigned. */
        signing_key: z.string().min(16).optional(),
        /** Write a checkpoint every N entries. */
        checkpoint_every: z.number().int().positive().default(1000),
        /** Append signed checkpoints to this file too, outside the database. */
        checkpoint_file: z.string().optional(),
      })
      .strict()
      .default({ checkpoint_every: 1000 }),
    access: z
      .object({
        /** How long a rotated key's old value keeps working, in seconds. */
        rotation_grace_s: z.number().int().min(0).default(3600),
        /** Keys are cached in memory this long; revocation through this process applies at once. */
        key_cache_ms: z.number().int().min(0).default(1000),
        /** Output tokens assumed for budget reservations when a request sets no max_tokens. */
        default_max_output_tokens: z.number().int().positive().default(4096),
      })
      .strict()
      .default({ rotation_grace_s: 3600, key_cache_ms: 1000, default_max_output_tokens: 4096 }),
    /**
     * Bounds on caller-supplied JSON Schemas (tool parameters, structured outputs), checked at
     * admission (src/schemas). Regexes always run on a linear-time engine.
     */
    json_schema: z
      .object({
        max_bytes: z.number().int().positive().default(262_144),
        max_nodes: z.number().int().positive().default(2000),
        max_depth: z.number().int().positive().default(64),
        max_refs: z.number().int().min(0).default(500),
        max_patterns: z.number().int().min(0).default(200),
        max_pattern_length: z.number().int().positive().default(4096),
        /** Schema nodes that may apply to one value once $refs are followed. */
        max_expansion: z.number().int().positive().default(1000),
        max_instance_depth: z.number().int().positive().default(64),
        cache_size: z.number().int().positive().default(1000),
        /** Schema JSON text the cache may hold, in bytes. */
        cache_bytes: z.number().int().positive().default(16_777_216),
        /** Worker threads that check, compile and validate schemas off the event loop. */
        threads: z.number().int().min(1).max(16).default(1),
        /** A schema job unanswered after this long is refused as too expensive; its thread is replaced. */
        timeout_ms: z.number().int().positive().default(2000),
      })
      .strict()
      .default({
        max_bytes: 262_144,
        max_nodes: 2000,
        max_depth: 64,
        max_refs: 500,
        max_patterns: 200,
        max_pattern_length: 4096,
        max_expansion: 1000,
        max_instance_depth: 64,
        cache_size: 1000,
        cache_bytes: 16_777_216,
        threads: 1,
        timeout_ms: 2000,
      }),
    /** Where rate-limit windows and budget reservations live (src/store/counters). */
    limits: z
      .object({
        /** auto: redis when a Redis URL is set, else database on PostgreSQL, else memory. */
        store: z.enum(['auto', 'memory', 'database', 'redis']).default('auto'),
        /** redis://[user:pass@]host:port/db (rediss:// for TLS); KEEL_REDIS_URL overrides. */
        redis_url: z.string().optional(),
        /** An unsettled budget reservation stops counting after this long (its replica is gone). */
        reservation_ttl_s: z.number().int().positive().default(900),
        /** Leader: raise shared budget spend to the ledger's (lost settles), drop past periods. */
        reconcile_every_s: z.number().int().positive().default(60),
        /** Shared stores: share of a budget's free room a replica leases and admits from in process; 0 = per call. */
        budget_lease_fraction: z.number().min(0).max(1).default(0.05),
        /** A lease its replica stopped renewing (killed) stops counting after this; must exceed reconcile_every_s. */
        budget_lease_ttl_s: z.number().int().positive().default(120),
        /** Each replica flushes settled spend to the shared budget and resizes its leases this often. */
        budget_lease_flush_ms: z.number().int().positive().default(1000),
        /**
         * A call whose max_tokens does not fit a budget's room is served with max_tokens lowered to
         * what the room can pay for, when that is at least this many tokens (or what it asked for).
         */
        budget_min_output_tokens: z.number().int().positive().default(256),
      })
      .strict()
      .default({
        store: 'auto',
        reservation_ttl_s: 900,
        reconcile_every_s: 60,
        budget_lease_fraction: 0.05,
        budget_lease_ttl_s: 120,
        budget_lease_flush_ms: 1000,
        budget_min_output_tokens: 256,
      }),
    providers: z.array(providerSchema).default([]),
    models: z.array(modelSchema).default([]),
    routing: z
      .object({
        retries: z
          .object({
            max: z.number().int().min(0).max(10).default(2),
            base_delay_ms: z.number().int().min(0).default(100),
            max_delay_ms: z.number().int().min(0).default(5000),
          })
          .strict()
          .default({ max: 2, base_delay_ms: 100, max_delay_ms: 5000 }),
        timeout_ms: z.number().int().positive().default(120_000),
        circuit_breaker: z
          .object({
            failure_threshold: z.number().int().positive().default(5),
            cooldown_ms: z.number().int().positive().default(30_000),
          })
          .strict()
          .default({ failure_threshold: 5, cooldown_ms: 30_000 }),
        cache: z
          .object({
            enabled: z.boolean().default(false),
            ttl_s: z.number().int().min(0).default(300),
            max_entries: z.number().int().positive().default(10_000),
          })
          .strict()
          .default({ enabled: false, ttl_s: 300, max_entries: 10_000 }),
      })
      .strict()
      .default({
        retries: { max: 2, base_delay_ms: 100, max_delay_ms: 5000 },
        timeout_ms: 120_000,
        circuit_breaker: { failure_threshold: 5, cooldown_ms: 30_000 },
        cache: { enabled: false, ttl_s: 300, max_entries: 10_000 },
      }),
    pricing: z
      .object({ overrides: z.array(priceOverride).default([]) })
      .strict()
      .default({ overrides: [] }),
    usage: z
      .object({
        flush_interval_ms: z.number().int().positive().default(250),
        batch_size: z.number().int().positive().default(250),
      })
      .strict()
      .default({ flush_interval_ms: 250, batch_size: 250 }),
    /**
     * The write-ahead spool (store/spool/): every usage event, guard decision and request-path audit
     * entry is appended to a local file before the response leaves, so kill -9 loses none of them.
     */
    durability: z
      .object({
        /** Default: on for file SQLite and PostgreSQL, off for sqlite::memory: and pglite: stores. */
        spool: z.boolean().optional(),
        /** One directory per running process (a lock file enforces it); env KEEL_SPOOL_DIR. */
        spool_dir: z.string().default('.keel/spool'),
        /**
         * fdatasync interval: an OS crash or power loss can lose this window (a process crash loses
         * nothing either way). 1 s, like Redis's `appendfsync everysec`: at 100 ms the syncs cost
         * ~7% of Keel's CPU per call at c=64 (bench/RESULTS.md). 0: sync every append.
         */
        fsync_interval_ms: z.number().int().min(0).default(1000),
      })
      .strict()
      .default({ spool_dir: '.keel/spool', fsync_interval_ms: 1000 }),
    telemetry: telemetrySchema.default(TELEMETRY_DEFAULTS),
    data: z
      .object({ dir: z.string().default('.keel/data') })
      .strict()
      .default({ dir: '.keel/data' }),
    lineage: z
      .object({
        endpoint: z.url().optional(),
        namespace: z.string().default('keel'),
        api_key: z.string().optional(),
        timeout_ms: z.number().int().positive().default(10_000),
        retries: z.number().int().min(0).max(10).default(3),
      })
      .strict()
      .default({ namespace: 'keel', timeout_ms: 10_000, retries: 3 }),
    monitors: z
      .object({
        enabled: z.boolean().default(true),
        capture_text: z.boolean().default(false),
        reference_days: z.number().positive().default(14),
        window_hours: z.number().positive().default(24),
        interval_minutes: z.number().positive().default(15),
        min_events: z.number().int().positive().default(200),
        p_value: z.number().positive().max(1).default(0.01),
        psi: z.number().positive().default(0.2),
        /** use case → "dataset@version" pinned as its reference. */
        pinned: z.record(z.string(), z.string()).default({}),
      })
      .strict()
      .default({
        enabled: true,
        capture_text: false,
        reference_days: 14,
        window_hours: 24,
        interval_minutes: 15,
        min_events: 200,
        p_value: 0.01,
        psi: 0.2,
        pinned: {},
      }),
    /** Several Keel processes on one store (src/store/changes.ts, src/store/lease.ts). */
    cluster: z
      .object({
        /** How often each process polls for changes others made (keys, admins, use cases). */
        poll_ms: z.number().int().min(50).max(60_000).default(500),
        /** How often a replica tries to take (or checks it still holds) the leader lease. */
        lease_poll_ms: z.number().int().min(100).max(60_000).default(1500),
      })
      .strict()
      .default({ poll_ms: 500, lease_poll_ms: 1500 }),
    /** The Responses API (`/v1/responses`): how long stored responses are kept, per key. */
    responses: z
      .object({
        /** Days a stored response stays readable (previous_response_id, GET); 0 = never stored. */
        retention_days: z.number().int().min(0).max(3650).default(30),
      })
      .strict()
      .default({ retention_days: 30 }),
    guards: guardsSchema.default({ enabled: true, policies: {}, use_cases: {}, keys: {} }),
    /**
     * What a call does when the store behind a check cannot answer (docs/deployment.md, "When the
     * store fails"): `closed` refuses it (503 store_unavailable), `open` lets it through unchecked
     * and records that it did. Per use case under `use_cases`.
     */
    failure_policy: failurePolicySchema,
    logging: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
        /** Log one line per request. */
        requests: z.boolean().default(false),
      })
      .strict()
      .default({ level: 'info', requests: false }),
    /** Business value (config/value.ts): use-case registry, cost allocation, alerts, retention. */
    use_cases: useCasesConfigSchema,
    cost_allocation: costAllocationSchema,
    alerts: alertsConfigSchema,
    retention: retentionConfigSchema,
    value: valueConfigSchema,
    /** Red-team runs: alert thresholds, kept runs, scheduled suites (config/redteam.ts). */
    redteam: redteamConfigSchema,
    /** MCP servers Keel fronts at /mcp, and the tool policy (config/mcp.ts). */
    mcp_servers: mcpServersSchema,
    mcp: mcpConfigSchema,
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const providerIds = new Set<string>();
    cfg.providers.forEach((p, i) => {
      if (providerIds.has(p.id))
        ctx.addIssue({
          code: 'custom',
          path: ['providers', i, 'id'],
          message: `duplicate provider id "${p.id}"`,
        });
      providerIds.add(p.id);
      const needsUrl = p.kind === 'openai-compatible' || p.kind === 'azure-openai';
      if (needsUrl && !p.base_url)
        ctx.addIssue({
          code: 'custom',
          path: ['providers', i, 'base_url'],
          message: `required for kind ${p.kind}`,
        });
      if (p.kind === 'azure-openai' && !p.api_version)
        ctx.addIssue({
          code: 'custom',
          path: ['providers', i, 'api_version'],
          message: 'required for kind azure-openai',
        });
    });
    const modelNames = new Set<string>();
    cfg.models.forEach((m, i) => {
      if (modelNames.has(m.name))
        ctx.addIssue({ code: 'custom', path: ['models', i, 'name'], message: `duplicate model "${m.name}"` });
      modelNames.add(m.name);
    });
    for (const issue of unknownScheduleModels(cfg.redteam, modelNames)) ctx.addIssue(issue);
    cfg.models.forEach((m, i) => {
      m.targets.forEach((t, j) => {
        if (!providerIds.has(t.provider))
          ctx.addIssue({
            code: 'custom',
            path: ['models', i, 'targets', j, 'provider'],
            message: `unknown provider "${t.provider}"`,
          });
      });
      m.fallbacks.forEach((f, j) => {
        if (!modelNames.has(f))
          ctx.addIssue({
            code: 'custom',
            path: ['models', i, 'fallbacks', j],
            message: `unknown model "${f}"`,
          });
        if (f === m.name)
          ctx.addIssue({
            code: 'custom',
            path: ['models', i, 'fallbacks', j],
            message: 'a model cannot fall back to itself',
          });
      });
    });
  });

export type KeelConfig = z.infer<typeof configSchema>;
export type ProviderConfig = z.infer<typeof providerSchema>;
export type ModelConfig = z.infer<typeof modelSchema>;
export type KeelConfigInput = z.input<typeof configSchema>;
