import { describe, expect, it } from 'vitest';
import { parseSSE, type SSEMessage } from './sse.js';

const enc = new TextEncoder();

async function* chunks(parts: (string | Uint8Array)[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield typeof p === 'string' ? enc.encode(p) : p;
}

async function collect(parts: (string | Uint8Array)[]): Promise<SSEMessage[]> {
  const out: SSEMessage[] = [];
  for await (const m of parseSSE(chunks(parts))) out.push(m);
  return out;
}

/** Every way of cutting `bytes` into two pieces, plus one byte at a time. */
function splits(bytes: Uint8Array): Uint8Array[][] {
  const out: Uint8Array[][] = [];
  for (let i = 1; i < bytes.length; i++) out.push([bytes.slice(0, i), bytes.slice(i)]);
  out.push(Array.from(bytes, (b) => Uint8Array.of(b)));
  return out;
}

describe('parseSSE', () => {
  it('parses data and event fields, with and without the space after the colon', async () => {
    expect(await collect(['data: {"a":1}\n\nevent: ping\ndata:x\n\n'])).toEqual([
      { data: '{"a":1}' },
      { event: 'ping', data: 'x' },
    ]);
  });

  it('strips only one leading space from a value', async () => {
    expect(await collect(['data:  two spaces\n\n'])).toEqual([{ data: ' two spaces' }]);
  });

  it('joins multi-line data with LF', async () => {
    expect(await collect(['data: line1\ndata: line2\ndata:\n\n'])).toEqual([{ data: 'line1\nline2\n' }]);
  });

  it('handles CRLF, CR and LF line endings, mixed', async () => {
    expect(await collect(['data: a\r\n\r\ndata: b\r\rdata: c\n\ndata: d\r\n\n'])).toEqual([
      { data: 'a' },
      { data: 'b' },
      { data: 'c' },
      { data: 'd' },
    ]);
  });

  it('treats CRLF split across two chunks as one line ending', async () => {
    expect(await collect(['data: a\r', '\ndata: b\r', '\n\r', '\n'])).toEqual([{ data: 'a\nb' }]);
  });

  it('ignores comments and unknown fields, and drops events without data', async () => {
    expect(
      await collect([': keep-alive\n\nid: 7\nretry: 100\nfoo: bar\ndata: x\n\nevent: lonely\n\n']),
    ).toEqual([{ data: 'x' }]);
  });

  it('treats a line without a colon as a field with an empty value', async () => {
    expect(await collect(['data\n\n'])).toEqual([{ data: '' }]);
  });

  it('resets the event type after each dispatch', async () => {
    expect(await collect(['event: a\ndata: 1\n\ndata: 2\n\n'])).toEqual([
      { event: 'a', data: '1' },
      { data: '2' },
    ]);
  });

  it('discards an incomplete event at end of stream', async () => {
    expect(await collect(['data: done\n\ndata: {"cut":'])).toEqual([{ data: 'done' }]);
    expect(await collect(['data: no blank line\n'])).toEqual([]);
  });

  it('strips a leading BOM', async () => {
    expect(await collect([Uint8Array.of(0xef, 0xbb, 0xbf), 'data: x\n\n'])).toEqual([{ data: 'x' }]);
  });

  it('gives the same result however the bytes are split, including inside UTF-8 characters', async () => {
    const text = 'event: t\r\ndata: héllo 👋 世界\r\ndata: 2\r\n\r\n: c\rdata: ünï\r\r';
    const bytes = enc.encode(text);
    const expected = [{ event: 't', data: 'héllo 👋 世界\n2' }, { data: 'ünï' }];
    for (const parts of splits(bytes)) {
      expect(await collect(parts)).toEqual(expected);
    }
  });

  it('closes the source when the consumer stops early', async () => {
    let closed = false;
    async function* src(): AsyncGenerator<Uint8Array> {
      try {
        yield enc.encode('data: 1\n\ndata: 2\n\n');
        yield enc.encode('data: 3\n\n');
      } finally {
        closed = true;
      }
    }
    for await (const m of parseSSE(src())) {
      expect(m.data).toBe('1');
      break;
    }
    expect(closed).toBe(true);
  });
});
