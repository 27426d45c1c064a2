// autocannon ships no types; only what bench/lib/load.js uses.
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  /** One request as autocannon builds it; setupRequest may return a changed copy. */
  export interface Request {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
    setupRequest?: (req: Request) => Request;
  }

  interface Options {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    connections?: number;
    pipelining?: number;
    /** seconds */
    duration?: number;
    /** seconds */
    timeout?: number;
    /** Sent in turn, looping; a request with setupRequest is rebuilt every time it is sent. */
    requests?: Request[];
  }

  interface Result {
    requests: { sent: number };
    errors: number;
  }

  function autocannon(opts: Options, done: (err: Error | null, result: Result) => void): EventEmitter;
  export default autocannon;
}
