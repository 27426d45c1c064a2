import type { RequestContext } from '../pipeline/context.js';

/** Hono context variables shared by Keel's routes. */
export type AppEnv = { Variables: { requestId: string; ctx?: RequestContext } };
