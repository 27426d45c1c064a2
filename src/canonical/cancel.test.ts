import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { CancelSource, fromAbortSignal, NEVER_CANCELLED, toAbortSignal } from './cancel.js';

describe('CancelSource', () => {
  it('tells every listener once, with the reason, and stays aborted', () => {
    const s = new CancelSource();
    const heard: unknown[] = [];
    s.onAbort((r) => heard.push(['a', r]));
    s.onAbort((r) => heard.push(['b', r]));
    const reason = new Error('gone');
    s.abort(reason);
    s.abort(new Error('again'));
    expect(heard).toEqual([
      ['a', reason],
      ['b', reason],
    ]);
    expect(s.aborted).toBe(true);
    expect(s.reason).toBe(reason);
  });

  it('calls a listener added after the abort at once', () => {
    const s = new CancelSource();
    s.abort();
    let reason: unknown;
    s.onAbort((r) => {
      reason = r;
    });
    expect(reason).toBeInstanceOf(DOMException);
    expect((reason as DOMException).name).toBe('AbortError');
  });

  it('forgets a removed listener, whichever slot it was in', () => {
    const s = new CancelSource();
    const heard: string[] = [];
    const offA = s.onAbort(() => heard.push('a'));
    const offB = s.onAbort(() => heard.push('b'));
    s.onAbort(() => heard.push('c'));
    offA();
    offB();
    offB();
    s.abort();
    expect(heard).toEqual(['c']);
  });

  it('a throwing listener does not keep the others from hearing', () => {
    const s = new CancelSource();
    const heard: string[] = [];
    s.onAbort(() => {
      throw new Error('bad listener');
    });
    s.onAbort(() => heard.push('second'));
    expect(() => s.abort()).not.toThrow();
    expect(heard).toEqual(['second']);
  });
});

describe('Web AbortSignal at the edges', () => {
  it('fromAbortSignal follows the signal and unhooks its listener', () => {
    const ac = new AbortController();
    const c = fromAbortSignal(ac.signal);
    const heard: unknown[] = [];
    const off = c.onAbort((r) => heard.push(r));
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(1);
    off();
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    c.onAbort((r) => heard.push(r));
    ac.abort('why');
    expect(c.aborted).toBe(true);
    expect(c.reason).toBe('why');
    expect(heard).toEqual(['why']);
  });

  it('toAbortSignal aborts with the reason, and dispose() unlinks it', () => {
    const s = new CancelSource();
    const { signal } = toAbortSignal(s);
    s.abort('first');
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe('first');

    const t = new CancelSource();
    const linked = toAbortSignal(t);
    linked.dispose();
    t.abort('late');
    expect(linked.signal.aborted).toBe(false);
  });

  it('NEVER_CANCELLED never aborts and keeps no listeners', () => {
    let called = false;
    NEVER_CANCELLED.onAbort(() => {
      called = true;
    })();
    expect(NEVER_CANCELLED.aborted).toBe(false);
    expect(called).toBe(false);
  });
});
