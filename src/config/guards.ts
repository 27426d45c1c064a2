import { z } from 'zod';

/**
 * Guard policies in keel.yaml. A policy sets, for each detector and direction, what happens when it
 * fires: `block` (refuse; no upstream call on input), `redact` (replace the span), `mask` (reversible:
 * placeholders go upstream, originals come back in the answer), `flag` (allow and record) or `off`.
 */
const action = z.enum(['block', 'redact', 'mask', 'flag', 'off']);

/**
 * One scale for every injection decision. Detectors report a calibrated score where 0.5 is the tuned
 * decision point: `keel guard scan` calls a text `flagged` from there, and the gateway records a
 * `flag` from there. A `block` policy blocks only from `threshold` (default INJECTION_BLOCK_AT), the
 * scores it is confident of; between the two it flags. Without a policy threshold, both numbers are
 * the same everywhere (CLI, gateway, strictness comparisons).
 */
export const INJECTION_FLAG_AT = 0.5;
export const INJECTION_BLOCK_AT = 0.85;
const decision = z.enum(['block', 'flag', 'off']);

/** An external classifier for high-risk use cases: POST {"text"} → {"score": 0..1}. */
const external = z
  .object({
    url: z.url(),
    headers: z.record(z.string(), z.string()).default({}),
    threshold: z.number().min(0).max(1).default(0.5),
    timeout_ms: z.number().int().positive().default(2000),
    /**
     * When the endpoint fails: `block` (fail closed) or `allow` (fail open, flagged). Unset: the
     * `failure_policy.guards` of the call's use case (closed by default).
     */
    on_error: z.enum(['block', 'allow']).optional(),
  })
  .strict();

/** `threshold`: the score at or above which `block` blocks (default INJECTION_BLOCK_AT); lower scores from INJECTION_FLAG_AT are flagged. */
const injection = z
  .object({
    input: decision.default('block'),
    threshold: z.number().min(0).max(1).optional(),
    external: external.optional(),
  })
  .strict();
/**
 * Instructions planted in tool results and retrieved content: like the user's own words, the default
 * blocks what the detector is confident of (threshold, default INJECTION_BLOCK_AT) and flags the rest.
 * `redact` withholds instead: the tool result, document, context section or pasted block is replaced
 * by a notice and the call goes on without it, from `threshold` (default INJECTION_FLAG_AT, the flag
 * point). For agents, whose step would otherwise fail on one poisoned page.
 */
const indirect = z
  .object({
    input: z.enum(['block', 'redact', 'flag', 'off']).default('block'),
    threshold: z.number().min(0).max(1).optional(),
  })
  .strict();
const pii = z.object({ input: action.default('flag'), output: action.default('off') }).strict();
/** Secrets typed into prompts are masked by default: the provider never sees them, the caller's answer gets them back. */
const secrets = z.object({ input: action.default('mask'), output: action.default('flag') }).strict();
const leak = z.object({ output: z.enum(['block', 'redact', 'flag', 'off']).default('block') }).strict();
const tools = z
  .object({
    /** A tool call the policy refuses: `block` the answer, `strip` the call, `flag`, or `off`. */
    action: z.enum(['block', 'strip', 'flag', 'off']).default('block'),
    /** Tool names this policy allows the model to call (in addition to key scopes); omitted = any. */
    allowed: z.array(z.string()).optional(),
    /** Check call arguments against the tool's JSON schema. */
    validate_arguments: z.boolean().default(true),
  })
  .strict();

/**
 * Active content in answers (improper output handling): markdown images and links that send data to
 * an outside host, `<script>`, frames, inline handlers and script URLs (`output`), and SQL that
 * changes data (`sql`). Findings inside code blocks are at most flagged — that is where answers about
 * databases and web pages put their SQL and HTML — so the defaults redact only what stands in the
 * answer itself. `allowed_hosts`: hosts answers may link or load from with data (each entry also
 * allows its subdomains).
 */
const outputAction = z.enum(['block', 'redact', 'flag', 'off']);
const activeContent = z
  .object({
    output: outputAction.default('redact'),
    sql: outputAction.default('redact'),
    allowed_hosts: z.array(z.string().min(1)).default([]),
  })
  .strict();

export const guardPolicySchema = z
  .object({
    injection: injection.default({ input: 'block' }),
    indirect_injection: indirect.default({ input: 'block' }),
    pii: pii.default({ input: 'flag', output: 'off' }),
    secrets: secrets.default({ input: 'mask', output: 'flag' }),
    leak: leak.default({ output: 'block' }),
    tools: tools.default({ action: 'block', validate_arguments: true }),
    active_content: activeContent.default({ output: 'redact', sql: 'redact', allowed_hosts: [] }),
    /**
     * Append a canary token to the system prompt (requests without one carry none) and treat answers
     * that repeat it as a leak (`leak.output`). The token is derived from the prompt, so the same
     * prompt keeps the same token and providers' prompt caches keep working.
     */
    canary: z.boolean().default(true),
    /**
     * Honour the application's context marks (<keel:context>…</keel:context>, user messages named
     * `context`, `document`, `retrieval`, `rag`): marked text is screened as retrieved content
     * (indirect injection). Off by default: marks are then ignored and the text is screened as the
     * end user's own words, so a user cannot wrap their injection to soften its treatment.
     */
    context_marking: z.boolean().default(false),
  })
  .strict();

export const guardsSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Named policies; `default` applies where nothing else is named. */
    policies: z.record(z.string(), guardPolicySchema).default({}),
    /**
     * Use case id → policy name. A policy weaker than `default` (see strictness.ts) applies in full
     * only to keys bound or scoped to the use case; a use case named by header alone gets the
     * stricter of the two.
     */
    use_cases: z.record(z.string(), z.string()).default({}),
    /** Virtual key id or name → policy name (wins over the use case's). */
    keys: z.record(z.string(), z.string()).default({}),
  })
  .strict();

export type GuardPolicy = z.infer<typeof guardPolicySchema>;
export type GuardsConfig = z.infer<typeof guardsSchema>;
export type GuardAction = z.infer<typeof action>;

export const DEFAULT_POLICY: GuardPolicy = guardPolicySchema.parse({});
