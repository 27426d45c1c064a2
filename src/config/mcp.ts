import { z } from 'zod';

/**
 * keel.yaml `mcp_servers:` (the MCP servers Keel fronts at /mcp) and `mcp:` (the tool policy:
 * per-tool argument constraints, approvals, rate limits, result screening). Kept here so the MCP
 * gateway owns its keys; schema.ts only plugs them in.
 */

/** Server ids become the catalogue prefix `<id>__<name>`, so they may not contain `__`. */
export const SERVER_ID = /^[a-z0-9](?:[a-z0-9-]|_(?!_)){0,39}$/;
const serverId = z
  .string()
  .regex(SERVER_ID, 'use 1–40 lower-case letters, digits, - or single _')
  .refine((v) => !v.endsWith('_'), 'may not end with _');

/** What `mcp.replica` (and KEEL_MCP_REPLICA) may be: safe in a session id and an nginx map. */
export const MCP_REPLICA_NAME = /^[A-Za-z0-9_-]{1,32}$/;

const DURATION = /^\d+(?:\.\d+)?\s*(?:ms|s|m|h|d)$/;
const duration = z.string().regex(DURATION, 'use a duration such as 500ms, 30s, 5m or 1h');

/** `host:port` (or `host`, port 443) a sandboxed server may connect to through Keel's egress proxy. */
const egressHost = z.string().regex(/^[A-Za-z0-9.-]{1,253}(?::\d{1,5})?$/, 'use host or host:port');

const sandboxSchema = z
  .object({
    /** false runs the server unsandboxed: an explicit opt-out, logged at start. */
    enabled: z.boolean().default(true),
    /** Absolute paths the server may read (bind-mounted read-only). The command itself is added. */
    read_only: z.array(z.string().startsWith('/')).default([]),
    /** Absolute paths the server may write. */
    read_write: z.array(z.string().startsWith('/')).default([]),
    /** Hosts the server may reach; empty = no network at all (a private network namespace). */
    allow_hosts: z.array(egressHost).default([]),
    /** CPU seconds before the kernel kills the process (RLIMIT_CPU: SIGXCPU, then SIGKILL a second later). */
    cpu_seconds: z.number().int().min(1).max(86_400).default(300),
    /**
     * Memory a process may allocate, MiB (RLIMIT_DATA), and the size of its private /tmp; address
     * space (RLIMIT_AS) is capped 4 GiB above it for runtimes' reservations (docs/mcp-sandbox.md).
     */
    memory_mb: z.number().int().min(16).max(65_536).default(1024),
    /** Wall-clock lifetime of one process; it is killed and restarted after it. Absent: unlimited. */
    max_lifetime: duration.optional(),
  })
  .strict();

const common = {
  id: serverId,
  /** One tool call's wall-clock limit; the call fails with a timeout after it. */
  call_timeout: duration.default('60s'),
};

const remoteServerSchema = z
  .object({
    ...common,
    /** Streamable HTTP endpoint of the upstream server. */
    url: z.url({ protocol: /^https?$/ }),
    /** Sent to the upstream on every request; write secrets as ${VAR}. Never shown to agents. */
    headers: z.record(z.string().min(1).max(200), z.string().max(8192)).default({}),
  })
  .strict();

const localServerSchema = z
  .object({
    ...common,
    /** Started by Keel and spoken to over stdio. */
    command: z.string().min(1).max(4096),
    args: z.array(z.string().max(4096)).default([]),
    /** The server's whole environment (nothing else is passed); write secrets as ${VAR}. */
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string().max(65_536)).default({}),
    /** Working directory inside the sandbox. */
    cwd: z.string().startsWith('/').optional(),
    sandbox: sandboxSchema.prefault({}),
    /** Restarts after the process dies, with backoff; past this many in 10 minutes it stays down. */
    max_restarts: z.number().int().min(0).max(1000).default(10),
  })
  .strict();

export const mcpServerSchema = z.union([remoteServerSchema, localServerSchema]);
export const mcpServersSchema = z
  .array(mcpServerSchema)
  .default([])
  .superRefine((servers, ctx) => {
    const seen = new Set<string>();
    servers.forEach((s, i) => {
      if (seen.has(s.id))
        ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate server id "${s.id}"` });
      seen.add(s.id);
    });
  });

const toolPolicySchema = z
  .object({
    /** A JSON Schema the call's arguments must satisfy as well as the tool's own input schema. */
    arguments: z.record(z.string(), z.unknown()).optional(),
    /** `required`: every call waits for an operator's approval (GET/POST /api/mcp/approvals). */
    approval: z.enum(['required', 'none']).default('none'),
    /** Calls per minute per key to this tool (per tool, when the entry is a glob). */
    rpm: z.number().int().min(1).max(1_000_000).optional(),
  })
  .strict();

const screeningSchema = z
  .object({
    /**
     * Injections in tool results: block ≥ block_threshold, flag ≥ flag_threshold (guards' scale);
     * `redact` withholds instead: from flag_threshold the agent gets a notice in place of the result.
     */
    injection: z.enum(['block', 'redact', 'flag', 'off']).default('block'),
    block_threshold: z.number().min(0).max(1).default(0.85),
    flag_threshold: z.number().min(0).max(1).default(0.5),
    /** Secrets and PII in tool results: masked before the agent sees them. */
    redact_results: z.boolean().default(true),
    /** Secrets in tool arguments (leaving the organisation): block, mask or let through flagged. */
    argument_secrets: z.enum(['block', 'mask', 'flag', 'off']).default('block'),
  })
  .strict();

export const mcpConfigSchema = z
  .object({
    /** Policy per catalogue name (`everything__echo`) or glob (`crm__*`); every matching entry applies. */
    tools: z.record(z.string().min(1).max(200), toolPolicySchema).default({}),
    approvals: z
      .object({
        /** A held call not decided within this is denied. */
        timeout: duration.default('5m'),
      })
      .strict()
      .prefault({}),
    screening: screeningSchema.prefault({}),
    /** Idle MCP sessions are closed after this. */
    session_idle: duration.default('30m'),
    /**
     * Host names /mcp answers to besides loopback (DNS rebinding protection). Empty: any name when
     * Keel listens beyond loopback, only loopback names when it listens on loopback.
     */
    allowed_hosts: z.array(z.string().min(1).max(253)).default([]),
    /** Most sessions one replica holds at once; past it, initialize is refused. */
    max_sessions: z.number().int().min(1).max(100_000).default(1000),
    /**
     * This replica's name, put in front of the session ids it issues (`<replica>.<uuid>`), so a load
     * balancer can send every request of a session to the replica that holds it (the map in
     * deploy/nginx/keel.conf). KEEL_MCP_REPLICA overrides it, since replicas share one keel.yaml.
     */
    replica: z.string().regex(MCP_REPLICA_NAME, 'letters, digits, "_" and "-", at most 32').optional(),
  })
  .strict()
  .prefault({});

export type McpServerConfig = z.infer<typeof mcpServerSchema>;
export type McpRemoteServerConfig = z.infer<typeof remoteServerSchema>;
export type McpLocalServerConfig = z.infer<typeof localServerSchema>;
export type McpSandboxConfig = z.infer<typeof sandboxSchema>;
export type McpConfig = z.infer<typeof mcpConfigSchema>;
export type McpToolPolicy = z.infer<typeof toolPolicySchema>;

export function isLocalServer(s: McpServerConfig): s is McpLocalServerConfig {
  return 'command' in s;
}

/** `30s` → 30000. The schema has already checked the shape. */
export function durationMs(d: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(d);
  if (!m) throw new Error(`not a duration: ${d}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
    m[2] as 'ms' | 's' | 'm' | 'h' | 'd'
  ];
  return Math.round(Number(m[1]) * unit);
}
