import { describe, expect, it } from 'vitest';
import { coalesceSse } from './coalesce.js';

const SSE = { 'content-type': 'text/event-stream', 'mcp-session-id': 's1' };
const enc = (s: string) => new TextEncoder().encode(s);

describe('coalesceSse', () => {
  it('sends a stream that ends at once as one sized body, headers kept', async () => {
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(enc('event: message\n'));
        c.enqueue(enc('data: {"id":1}\n\n'));
        c.close();
      },
    });
    const res = await coalesceSse(new Response(body, { status: 200, headers: SSE }), 1000);
    expect(res.headers.get('mcp-session-id')).toBe('s1');
    expect(await res.text()).toBe('event: message\ndata: {"id":1}\n\n');
  });

  it('streams what came so far once the wait is over, and the rest as it comes', async () => {
    let push: ((s: string | null) => void) | undefined;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(enc('data: progress\n\n'));
        push = (s) => (s === null ? c.close() : c.enqueue(enc(s)));
      },
    });
    const res = await coalesceSse(new Response(body, { headers: SSE }), 5);
    const reader = res.body!.getReader();
    // The first event is there before the stream ends: nothing waits for the answer.
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: progress\n\n');
    push?.('data: result\n\n');
    push?.(null);
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: result\n\n');
    expect((await reader.read()).done).toBe(true);
  });

  it('leaves JSON answers alone', async () => {
    const res = new Response('{}', { headers: { 'content-type': 'application/json' } });
    expect(await coalesceSse(res, 5)).toBe(res);
  });
});
