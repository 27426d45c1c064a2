import type { KeelConfig, ModelConfig } from '../config/schema.js';
import { KeelError } from '../errors.js';
import type { ModelInfo } from './types.js';

export type ModelType = ModelConfig['type'];

/** One concrete place a model can be served from, with everything an attempt needs precomputed. */
export interface RouteTarget {
  provider: string;
  /** The provider's own model / deployment name. */
  model: string;
  weight: number;
  timeoutMs: number;
  /** Circuit-breaker key: one circuit per provider + upstream model. */
  key: string;
}

export interface RouteModel {
  name: string;
  type: ModelType;
  targets: RouteTarget[];
  retries: number;
  /** Cache TTL in ms; 0 = this model's responses are never cached. */
  cacheTtlMs: number;
}

export interface Route {
  /** The requested model first, then its fallbacks depth-first (cycles and wrong types dropped). */
  chain: RouteModel[];
}

const ENDPOINT_NOUN: Record<ModelType, string> = { chat: 'chat completions', embedding: 'embeddings' };

/**
 * Everything the router knows about models, computed once from the (static) config so the request
 * path does only map lookups.
 */
export class ModelTable {
  private readonly byName = new Map<string, RouteModel>();
  private readonly routes = new Map<string, Route>();
  private readonly infos = new Map<string, ModelInfo>();

  constructor(config: KeelConfig) {
    const providerTimeout = new Map(config.providers.map((p) => [p.id, p.timeout_ms]));
    const cache = config.routing.cache;
    for (const m of config.models) {
      const timeoutOf = (provider: string) =>
        m.timeout_ms ?? providerTimeout.get(provider) ?? config.routing.timeout_ms;
      const ttlS = m.cache_ttl_s ?? cache.ttl_s;
      this.byName.set(m.name, {
        name: m.name,
        type: m.type,
        retries: m.retries ?? config.routing.retries.max,
        cacheTtlMs: cache.enabled ? ttlS * 1000 : 0,
        targets: m.targets.map((t) => ({
          provider: t.provider,
          model: t.model,
          weight: t.weight,
          timeoutMs: timeoutOf(t.provider),
          key: `${t.provider}\u0000${t.model}`,
        })),
      });
      const info: ModelInfo = {
        name: m.name,
        type: m.type,
        providers: [...new Set(m.targets.map((t) => t.provider))],
      };
      if (m.description !== undefined) info.description = m.description;
      if (m.max_output_tokens !== undefined) info.maxOutputTokens = m.max_output_tokens;
      this.infos.set(m.name, info);
    }
    const fallbacksOf = new Map(config.models.map((m) => [m.name, m.fallbacks]));
    for (const m of config.models) this.routes.set(m.name, { chain: this.buildChain(m.name, fallbacksOf) });
  }

  /** The route for a client's model name, or a client-facing error (OpenAI's wording). */
  route(name: string, type: ModelType): Route {
    const route = this.routes.get(name);
    const head = route?.chain[0];
    if (!route || !head) {
      throw new KeelError(
        'model_not_found',
        `The model \`${name}\` does not exist or you do not have access to it.`,
        {
          param: 'model',
        },
      );
    }
    if (head.type !== type) {
      throw new KeelError(
        'invalid_request',
        `The model \`${name}\` is a${head.type === 'embedding' ? 'n embedding' : ' chat'} model and cannot be used for ${ENDPOINT_NOUN[type]}.`,
        { param: 'model' },
      );
    }
    return route;
  }

  info(name: string): ModelInfo | undefined {
    const i = this.infos.get(name);
    return i && { ...i, providers: [...i.providers] };
  }

  /** Every (provider, upstream model) a request for `name` could reach, fallbacks included. */
  candidates(name: string): Array<{ provider: string; model: string }> {
    const out: Array<{ provider: string; model: string }> = [];
    for (const m of this.routes.get(name)?.chain ?? [])
      for (const t of m.targets) out.push({ provider: t.provider, model: t.model });
    return out;
  }

  list(): ModelInfo[] {
    return [...this.infos.keys()].map((n) => this.info(n)!);
  }

  /**
   * Fallbacks are followed transitively (a fallback's own fallbacks are its configured behaviour),
   * depth-first in the order written; a visited set breaks cycles such as a → b → a, and fallbacks
   * of the other model type are dropped because they could never answer this request.
   */
  private buildChain(name: string, fallbacksOf: ReadonlyMap<string, readonly string[]>): RouteModel[] {
    const head = this.byName.get(name)!;
    const chain: RouteModel[] = [];
    const visited = new Set<string>();
    const visit = (n: string) => {
      if (visited.has(n)) return;
      visited.add(n);
      const m = this.byName.get(n);
      if (!m || m.type !== head.type) return;
      chain.push(m);
      for (const f of fallbacksOf.get(n) ?? []) visit(f);
    };
    visit(name);
    return chain;
  }
}
