/**
 * Most answers on /mcp are one SSE event followed at once by the end of the stream. Streamed, that
 * is three writes to the socket (headers, the event, the chunked terminator); whole, it is one.
 * Keel therefore holds an SSE response for up to `waitMs`: if the stream ends in that time it is
 * sent as one body, otherwise what arrived so far is sent at once and the rest streams as usual.
 * Nothing waits longer than `waitMs` (a progress notification at most that much), and a long call
 * still gets its headers early.
 */
export async function coalesceSse(res: Response, waitMs: number): Promise<Response> {
  const body = res.body;
  if (!body || !res.headers.get('content-type')?.startsWith('text/event-stream')) return res;
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), waitMs);
  });
  let pending = reader.read();
  try {
    for (;;) {
      const r = await Promise.race([pending, late]);
      if (r === 'late') break;
      if (r.done) return new Response(Buffer.concat(chunks), { status: res.status, headers: res.headers });
      chunks.push(r.value);
      pending = reader.read();
    }
  } finally {
    clearTimeout(timer);
  }
  const rest = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(c);
    },
    async pull(controller) {
      const r = await pending;
      if (r.done) controller.close();
      else {
        controller.enqueue(r.value);
        pending = reader.read();
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return new Response(rest, { status: res.status, headers: res.headers });
}
