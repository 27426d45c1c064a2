import { describe, expect, it } from 'vitest';
import { usageEvent } from './usage-event.js';
import { fromRow, toRow } from './usage-rows.js';

describe('usageEvent', () => {
  it('fills every field a row needs, so the event survives the store mapping unchanged', () => {
    const e = usageEvent({ requestId: 'r1', ts: 1_700_000_000_000, modelRequested: 'm', useCase: 'uc' });
    expect(fromRow({ ...toRow(e), id: 1 } as Parameters<typeof fromRow>[0])).toEqual(e);
    expect(e).toMatchObject({ status: 200, attempts: 1, costUsd: null, endpoint: 'chat', fallbacks: [] });
  });

  it('lets the caller override any default', () => {
    const e = usageEvent({
      requestId: 'r2',
      ts: 1,
      modelRequested: 'm',
      useCase: 'uc',
      status: 502,
      costUsd: 0.5,
    });
    expect(e.status).toBe(502);
    expect(e.costUsd).toBe(0.5);
  });
});
