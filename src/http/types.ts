import type { RequestContext } from '../pipeline/context.js';

/** Hono context variables shared by Keel's routes. */
export type AppEnv = {
  Variables: {
    requestId: string;
    ctx?: RequestContext;
    /** The response already carries Keel's headers (hot routes build them without touching c.res). */
    sealed?: boolean;
  };
};
