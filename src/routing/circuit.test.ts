import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit.js';

function setup() {
  const clock = { t: 0 };
  const b = new CircuitBreaker({ failure_threshold: 3, cooldown_ms: 1000 }, () => clock.t);
  return { b, clock };
}

describe('CircuitBreaker', () => {
  it('opens after failure_threshold consecutive failures; a success in between resets the count', () => {
    const { b } = setup();
    b.failure('k');
    b.failure('k');
    b.success('k');
    b.failure('k');
    b.failure('k');
    expect(b.state('k')).toBe('closed');
    expect(b.acquire('k')).toBe(true);
    b.failure('k');
    expect(b.state('k')).toBe('open');
    expect(b.acquire('k')).toBe(false);
    expect(b.acquire('other')).toBe(true);
  });

  it('half-opens after the cooldown and lets exactly one probe through; success closes', () => {
    const { b, clock } = setup();
    for (let i = 0; i < 3; i++) b.failure('k');
    clock.t = 999;
    expect(b.acquire('k')).toBe(false);
    expect(b.retryInMs('k')).toBe(1);
    clock.t = 1000;
    expect(b.acquire('k')).toBe(true);
    expect(b.state('k')).toBe('half_open');
    expect(b.acquire('k')).toBe(false);
    b.success('k');
    expect(b.state('k')).toBe('closed');
    expect(b.acquire('k')).toBe(true);
  });

  it('re-opens for a full cooldown when the probe fails', () => {
    const { b, clock } = setup();
    for (let i = 0; i < 3; i++) b.failure('k');
    clock.t = 1500;
    expect(b.acquire('k')).toBe(true);
    b.failure('k');
    expect(b.state('k')).toBe('open');
    clock.t = 2499;
    expect(b.acquire('k')).toBe(false);
    clock.t = 2500;
    expect(b.acquire('k')).toBe(true);
  });

  it('frees the probe slot on release, and after a cooldown when a probe never reports back', () => {
    const { b, clock } = setup();
    for (let i = 0; i < 3; i++) b.failure('k');
    clock.t = 1000;
    expect(b.acquire('k')).toBe(true);
    b.release('k');
    expect(b.acquire('k')).toBe(true);
    expect(b.acquire('k')).toBe(false);
    clock.t = 2000;
    expect(b.acquire('k')).toBe(true);
  });

  it('does not extend the cooldown for late failures of requests started before it opened', () => {
    const { b, clock } = setup();
    for (let i = 0; i < 3; i++) b.failure('k');
    clock.t = 900;
    b.failure('k');
    clock.t = 1000;
    expect(b.acquire('k')).toBe(true);
  });

  it("holds a target back for an upstream's retry-after, at most one cooldown, without opening it", () => {
    const { b, clock } = setup();
    b.pause('k', 600);
    expect(b.paused('k')).toBe(true);
    expect(b.acquire('k')).toBe(false);
    expect(b.retryInMs('k')).toBe(600);
    expect(b.state('k')).toBe('closed');
    clock.t = 600;
    expect(b.acquire('k')).toBe(true);
    b.pause('k', 3_600_000);
    expect(b.retryInMs('k')).toBe(1000);
    b.success('k');
    expect(b.acquire('k')).toBe(true);
    b.pause('k', 0);
    expect(b.paused('k')).toBe(false);
  });
});
