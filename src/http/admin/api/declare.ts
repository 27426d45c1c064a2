import type { Context } from 'hono';
import type { ParamKeys } from 'hono/types';
import type { z } from 'zod';
import type { AdminRole, AdminStore } from '../../../access/admin.js';
import type { SessionStore } from '../../../access/session-store.js';
import type { KeyStore } from '../../../access/store.js';
import type { AuditLog } from '../../../audit/types.js';
import type { KeelConfig } from '../../../config/schema.js';
import type { DataServices } from '../../../data/index.js';
import type { Approvals } from '../../../mcp/approvals/index.js';
import type { McpGatewayStatus } from '../../../mcp/types.js';
import type { RedteamRuns } from '../../../redteam/runs/service.js';
import type { SchemaPool } from '../../../schemas/index.js';
import type { Database } from '../../../store/db.js';
import type { ValueService } from '../../../value/service.js';
import type { AdminEnv, AdminPrincipal } from '../types.js';

export type AdminMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * One admin route, declared once: everything but the handler is data, so the role table,
 * GET /api/capabilities and the docs' route table are read from it rather than kept beside it.
 */
export interface RouteSpec {
  method: AdminMethod;
  /** Hono path pattern relative to /api, e.g. `/keys/:id`. */
  path: string;
  /** The least role that may call it. */
  role: AdminRole;
  /** One line for the docs' route table. */
  summary: string;
  /** Parsed from the query string; a failure is `invalid_request` naming the parameter. */
  query?: z.ZodType;
  /** Parsed from the JSON body (read with the admin body rules: JSON content type, size cap). */
  body?: z.ZodType;
  /** No body at all is read as `{}`. */
  optionalBody?: boolean;
  /** A larger body than the admin API's usual cap (ADMIN_MAX_BODY), for uploads such as reports. */
  maxBodyBytes?: number;
}

/** A route spec on one line: `route('GET', '/keys/:id', 'viewer', 'One virtual key')`. */
export function route<
  const M extends AdminMethod,
  const P extends string,
  const I extends Pick<RouteSpec, 'query' | 'body' | 'optionalBody' | 'maxBodyBytes'>,
>(
  method: M,
  path: P,
  role: AdminRole,
  summary: string,
  input?: I,
): { method: M; path: P; role: AdminRole; summary: string } & I {
  return { method, path, role, summary, ...(input as I) };
}

type Parsed<S, K extends 'query' | 'body'> =
  S extends Record<K, infer Z extends z.ZodType> ? z.output<Z> : undefined;

/** What a handler receives besides the Hono context: typed path params, parsed input, the caller. */
export interface RouteInput<S extends RouteSpec> {
  params: Record<ParamKeys<S['path']>, string>;
  query: Parsed<S, 'query'>;
  body: Parsed<S, 'body'>;
  admin: AdminPrincipal;
}

/** The input of a handler written apart from its declaration, from the schemas it declares. */
export type InputOf<I extends Pick<RouteSpec, 'query' | 'body'>> = RouteInput<RouteSpec & I>;

/** A handler's answer with a status other than 200. */
export interface Reply<T> {
  readonly reply: true;
  readonly status: 201;
  readonly body: T;
}

export const created = <T>(body: T): Reply<T> => ({ reply: true, status: 201, body });

export type Handler<S extends RouteSpec> = (
  c: Context<AdminEnv>,
  input: RouteInput<S>,
) => unknown | Promise<unknown>;

export type Handlers<R extends Record<string, RouteSpec>> = { [K in keyof R]: Handler<R[K]> };

/** Everything the admin API's groups may need; a group whose needs are absent is not mounted. */
export interface AdminServices {
  config: KeelConfig;
  audit: AuditLog;
  database: Database;
  keys?: KeyStore;
  admins?: AdminStore;
  /** Command Room sessions signed in through the IdP (auth.oidc): a session cookie authenticates too. */
  sessions?: SessionStore;
  value?: ValueService;
  data?: DataServices;
  /** Directories a `path` given to POST /datasets may point into. */
  dataAllowedRoots?: string[];
  /** Largest dataset upload accepted by POST /datasets/:name/versions. */
  dataMaxUploadBytes?: number;
  schemas?: SchemaPool;
  /** Stored red-team runs (POST /redteam/runs records through it, so a low score opens its alert). */
  redteam?: RedteamRuns;
  /** MCP tool calls held for approval (GET/POST /mcp/approvals, the Tools view). */
  mcpApprovals?: Approvals;
  /** The MCP gateway's servers, for GET /mcp/overview; absent when Keel fronts no MCP server. */
  mcpStatus?: McpGatewayStatus;
  /** Price-table versions Keel ships, newest first (the price book's `versions`). */
  priceTableVersions?: readonly string[];
  now?: () => number;
}

export interface RouteGroup<R extends Record<string, RouteSpec> = Record<string, RouteSpec>, D = unknown> {
  /** The group's name in the docs' route table. */
  title: string;
  routes: R;
  /** The services this group needs, or undefined when they are absent (the group is then not mounted). */
  needs(services: AdminServices): D | undefined;
  handlers(deps: D): Handlers<R>;
}

/** Declare a group of routes and their handlers; the handlers' parameters are typed from the specs. */
export function defineGroup<const R extends Record<string, RouteSpec>, D, H extends Handlers<R>>(group: {
  title: string;
  routes: R;
  needs(services: AdminServices): D | undefined;
  handlers(deps: D): H;
}): TypedGroup<R, D, H> {
  return group;
}

/** A group that keeps its handlers' result types, for ResponseOf. */
export interface TypedGroup<R extends Record<string, RouteSpec>, D, H extends Handlers<R>>
  extends RouteGroup<R, D> {
  handlers(deps: D): H;
}

/** The JSON a route answers with: its handler's result, unwrapped from `created()`. */
export type ResponseOf<
  G extends { handlers(deps: never): object },
  K extends keyof ReturnType<G['handlers']>,
> = ReturnType<G['handlers']>[K] extends (...args: never[]) => infer O ? Unreply<Awaited<O>> : never;

type Unreply<T> = T extends Reply<infer B> ? B : T;
