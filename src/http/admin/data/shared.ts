import type { Context } from 'hono';
import { ContractError } from '../../../data/contracts/schema.js';
import type { DataServices } from '../../../data/index.js';
import { DataJobError } from '../../../data/jobs.js';
import { KeelError } from '../../../errors.js';
import type { SchemaPool } from '../../../schemas/index.js';
import type { AdminEnv } from '../types.js';

export interface DataRoutesDeps {
  data: DataServices;
  /** Directories a `path` given to POST /datasets may point into (default: the working directory and the data dir). */
  allowedRoots?: string[];
  /** Largest dataset upload accepted by POST /datasets/:name/versions (default 256 MiB). */
  maxUploadBytes?: number;
  now?: () => number;
  /** Compiles schemas given to POST /data/validate-output (default: one owned by these routes). */
  schemas?: SchemaPool;
}

export const iso = (ms: number) => new Date(ms).toISOString();

export type Ctx = Context<AdminEnv>;

/** A path parameter of the matched route (always present once the route matched). */
export function pathParam(c: Ctx, name: string): string {
  return c.req.param(name) ?? '';
}

/** The calling admin's audit name. */
export function actorOf(c: Ctx): string {
  return c.get('admin').actor;
}

export function invalid(message: string, param?: string): KeelError {
  return new KeelError('invalid_request', message, param ? { param } : {});
}

/** Map data-layer errors onto the API's error codes. */
export async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof KeelError) throw e;
    if (e instanceof DataJobError || e instanceof ContractError) throw invalid(e.message);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new KeelError('not_found', 'File not found.');
    if (
      e instanceof Error &&
      (e.name === 'CsvError' ||
        /^(dataset name|prompt name|line \d+|unknown data format|Parquet)/.test(e.message))
    )
      throw invalid(e.message);
    throw e;
  }
}
