import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ADMIN_TOKEN, type FuzzKeel, startFuzzKeel } from './harness.js';
import { checkCase, fuzzSettings, installWatchers, type Tally, type Watchers } from './properties.js';
import { type FuzzRequest, type Route, requestFor } from './requests.js';
import { HOSTILE_SCHEMA_EVALUATION, WEATHER_SCHEMA } from './schemas.js';
import { type Known, templates } from './templates.js';

/** The tool call the fake model answers with: only for calls that offer tools (see HOSTILE_SCHEMA_EVALUATION). */
function toolCallFor(req: FuzzRequest): { name: string; arguments: string } | null {
  if (req.body === undefined || !req.body.includes('"tools"')) return null;
  if (!HOSTILE_SCHEMA_EVALUATION && !offersOnlyOrdinaryTools(req.body)) return null;
  return { name: 'get_weather', arguments: req.toolArgs };
}
const WEATHER_TEXT = JSON.stringify(WEATHER_SCHEMA);

/** Every tool offered (OpenAI `function.parameters`, Anthropic `input_schema`) has the ordinary schema. */
function offersOnlyOrdinaryTools(body: string): boolean {
  try {
    const tools = (JSON.parse(body) as { tools?: unknown }).tools;
    if (!Array.isArray(tools) || tools.length === 0) return false;
    return tools.every((t: { function?: { parameters?: unknown }; input_schema?: unknown } | null) => {
      const schema = t?.function?.parameters ?? t?.input_schema;
      return JSON.stringify(schema) === WEATHER_TEXT;
    });
  } catch {
    // Not JSON, or nested too deep to stringify: not the ordinary schema either way.
    return false;
  }
}

async function seed(keel: FuzzKeel): Promise<Known> {
  const call = async (method: string, path: string, body: unknown) => {
    const res = await keel.app.request(path, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`seeding ${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
  await call('POST', '/api/use-cases', { id: 'support', name: 'Support', monthly_budget_usd: 100 });
  const key = await call('POST', '/api/keys', { name: 'seeded', use_cases: ['support'], rpm: 100_000 });
  const admin = await call('POST', '/api/admins', { name: 'seeded-viewer', role: 'viewer' });
  await call('POST', '/api/prompts', { name: 'seeded-prompt', template: 'Hi {{name}}', model: 'gpt-4o' });
  return { keyId: String(key.id), adminId: String(admin.id), useCase: 'support', prompt: 'seeded-prompt' };
}

/**
 * One fuzz run over every mounted route under `prefix` (read from the app, so a new route is
 * fuzzed without touching this suite): `defaultRuns` cases by default, FUZZ_RUNS / FUZZ_SEED /
 * FUZZ_TIME_S / FUZZ_STALL_MS override. The seed is logged; a failure prints the shrunk call.
 */
export function fuzzSuite(prefix: '/v1/' | '/api/', defaultRuns: number): void {
  const s = fuzzSettings(defaultRuns);
  let keel: FuzzKeel;
  let known: Known;
  let watchers: Watchers;
  let routes: Route[];

  beforeAll(async () => {
    keel = await startFuzzKeel();
    known = await seed(keel);
    routes = keel.routes.filter((r) => r.path.startsWith(prefix));
    watchers = installWatchers();
  });
  afterAll(async () => {
    watchers?.dispose();
    await keel?.close();
  });

  it('has a body template only for routes the app mounts (a renamed route fails here)', () => {
    const mounted = new Set(keel.routes.map((r) => `${r.method} ${r.path}`));
    const stale = Object.keys(templates(known)).filter(
      (k) => k.startsWith(`${k.split(' ')[0]} ${prefix}`) && !mounted.has(k),
    );
    expect(stale).toEqual([]);
    expect(routes.length).toBeGreaterThan(prefix === '/v1/' ? 5 : 30);
  });

  it(
    `generated calls to every ${prefix} route: no 5xx, errors in the API's shape, no stall, no crash, no change on refusal`,
    async () => {
      const tally: Tally = new Map();
      const perRoute = new Map<string, number>();
      const spent = new Map<string, number>();
      process.stdout.write(
        `[fuzz] ${prefix} seed=${s.seed} runs=${s.runs}${s.timeLimitMs ? ` time=${s.timeLimitMs / 1000}s` : ''} routes=${routes.length} (reproduce with FUZZ_SEED=${s.seed})\n`,
      );
      const started = Date.now();
      const arb = fc.constantFrom(...routes).chain((r) => requestFor(r, known));
      await fc.assert(
        fc.asyncProperty(arb, async (req) => {
          const k = `${req.route.method} ${req.route.path}`;
          perRoute.set(k, (perRoute.get(k) ?? 0) + 1);
          keel.openai.reset();
          keel.anthropic.reset();
          const toolCall = toolCallFor(req);
          if (toolCall) {
            // The model calls the offered tool, so Keel checks its arguments against the caller's schema.
            keel.openai.enqueue({ toolCalls: [toolCall] });
            keel.anthropic.enqueue({ toolCalls: [toolCall] });
          }
          const t0 = performance.now();
          await checkCase(keel, watchers, s, req, tally);
          spent.set(k, (spent.get(k) ?? 0) + performance.now() - t0);
        }),
        {
          seed: s.seed,
          numRuns: s.runs,
          ...(s.timeLimitMs ? { interruptAfterTimeLimit: s.timeLimitMs, markInterruptAsFailure: false } : {}),
        },
      );
      const cases = [...perRoute.values()].reduce((a, b) => a + b, 0);
      process.stdout.write(
        `[fuzz] ${prefix} ${cases} cases in ${((Date.now() - started) / 1000).toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries([...tally].sort()))}\n`,
      );
      if (process.env.FUZZ_PROFILE === '1')
        for (const [r, ms] of [...spent].sort((a, b) => b[1] - a[1]).slice(0, 15))
          process.stdout.write(`[fuzz]   ${ms.toFixed(0).padStart(7)} ms  ${perRoute.get(r)} × ${r}\n`);
      // Every route got generated calls (a run cut short by FUZZ_TIME_S may not reach them all).
      if (!s.timeLimitMs) expect(routes.filter((r) => !perRoute.has(`${r.method} ${r.path}`))).toEqual([]);
    },
    s.timeLimitMs ? s.timeLimitMs + 60_000 : Math.max(180_000, s.runs * 100),
  );
}
