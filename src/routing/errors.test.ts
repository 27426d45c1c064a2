import { describe, expect, it } from 'vitest';
import { fromAbortSignal } from '../canonical/cancel.js';
import { UpstreamError, type UpstreamErrorKind } from '../providers/types.js';
import { cancelledError, mapUpstreamError, scrub } from './errors.js';

const ctx = { model: 'chat', provider: 'openai', upstreamModel: 'gpt-4o', attempts: 1 };

describe('mapUpstreamError', () => {
  it('maps every upstream error kind to its client-facing code and status', () => {
    const table: [UpstreamErrorKind, string, number][] = [
      ['rate_limit', 'upstream_rate_limited', 429],
      ['server', 'upstream_error', 502],
      ['timeout', 'upstream_timeout', 504],
      ['connection', 'upstream_unavailable', 503],
      ['auth', 'upstream_auth', 502],
      ['not_found', 'upstream_error', 502],
      ['invalid_response', 'upstream_invalid_response', 502],
      ['stream_interrupted', 'stream_interrupted', 502],
      ['bad_request', 'upstream_bad_request', 400],
      ['unsupported', 'unsupported_feature', 400],
    ];
    for (const [kind, code, status] of table) {
      const e = mapUpstreamError(new UpstreamError(kind, 'x'), ctx);
      expect([kind, e.code, e.status]).toEqual([kind, code, status]);
      expect(e.message).toContain('chat');
    }
  });

  it('says which model failed and why', () => {
    const nf = mapUpstreamError(new UpstreamError('not_found', 'HTTP 404', { status: 404 }), {
      ...ctx,
      attempts: 2,
    });
    expect(nf.message).toBe(
      'Model `chat` failed: provider `openai` does not know the upstream model `gpt-4o` (HTTP 404) (2 attempts).',
    );
    const rl = mapUpstreamError(
      new UpstreamError('rate_limit', 'HTTP 429', { status: 429, retryAfter: 0.2 }),
      ctx,
    );
    expect([rl.retryAfter, rl.upstreamStatus]).toEqual([1, 429]);
  });

  it('keeps upstream auth messages (which may echo key fragments) out of the client message', () => {
    const e = mapUpstreamError(
      new UpstreamError('auth', 'HTTP 401', {
        status: 401,
        upstreamMessage: 'Incorrect API key provided: sk-proj-abc',
      }),
      ctx,
    );
    expect(e.message).not.toContain('sk-proj');
    expect(e.message).toContain("rejected Keel's credentials");
  });
});

describe('scrub', () => {
  it('masks credentials in URLs and secret query parameters, and bounds the length', () => {
    expect(scrub('GET https://u:p@h.example/x?api_key=abc&ok=1&sig=zz')).toBe(
      'GET https://***@h.example/x?api_key=***&ok=1&sig=***',
    );
    expect(scrub('y'.repeat(1000))).toHaveLength(301);
  });
});

describe('cancelledError', () => {
  it('reads a deadline (TimeoutError) as a timeout and anything else as a cancellation', () => {
    expect(
      cancelledError('chat', fromAbortSignal(AbortSignal.abort(new DOMException('t', 'TimeoutError')))).code,
    ).toBe('upstream_timeout');
    expect(cancelledError('chat', fromAbortSignal(AbortSignal.abort())).message).toContain('cancelled');
  });
});
