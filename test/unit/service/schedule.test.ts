import { describe, expect, it } from 'vitest';
import { MAX_TIMER_MS, Scheduler, type Reason, type RunResult, type Timers } from '../../../src/service/schedule.js';

/** A hand-driven clock and timer queue: time moves only when the test says so. */
class FakeTime implements Timers {
  now = Date.parse('2026-05-27T08:59:00Z');
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private nextId = 1;
  readonly delays: number[] = [];
  setTimeout(fn: () => void, ms: number): unknown {
    this.delays.push(ms);
    const id = this.nextId++;
    this.timers.push({ at: this.now + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }
  get pending(): number {
    return this.timers.length;
  }
  /** Move the clock forward, firing due timers in order. */
  async advance(ms: number): Promise<void> {
    const end = this.now + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.now = next.at;
      next.fn();
      await new Promise((r) => setImmediate(r));
    }
    this.now = end;
    await new Promise((r) => setImmediate(r));
  }
}

function setup(plan: (now: number, reason: Reason) => RunResult) {
  const time = new FakeTime();
  const runs: Array<{ at: string; reason: Reason }> = [];
  const scheduler = new Scheduler({
    clock: () => new Date(time.now),
    timers: time,
    useCron: false,
    run: async (reason) => {
      runs.push({ at: new Date(time.now).toISOString(), reason });
      return plan(time.now, reason);
    },
  });
  return { time, runs, scheduler };
}

describe('Scheduler: embargo wake-ups', () => {
  it('runs at the exact instant the next embargoed entry is due, not at the next tick', async () => {
    const due = Date.parse('2026-05-27T09:00:00Z');
    const { time, runs, scheduler } = setup((now) => (now < due ? { nextDue: new Date(due) } : {}));
    await scheduler.start();
    expect(scheduler.nextWake?.toISOString()).toBe('2026-05-27T09:00:00.000Z');
    await time.advance(59_999);
    expect(runs.map((r) => r.reason)).toEqual(['start']);
    await time.advance(1);
    expect(runs).toEqual([
      { at: '2026-05-27T08:59:00.000Z', reason: 'start' },
      { at: '2026-05-27T09:00:00.000Z', reason: 'embargo' },
    ]);
    expect(scheduler.nextWake).toBeUndefined();
    await scheduler.stop();
  });

  it('re-plans when a run reports an earlier due time (an entry was added)', async () => {
    let due = Date.parse('2026-05-27T10:00:00Z');
    const { time, runs, scheduler } = setup((now) => (now < due ? { nextDue: new Date(due) } : {}));
    await scheduler.start();
    due = Date.parse('2026-05-27T09:05:00Z');
    await scheduler.trigger('change');
    expect(scheduler.nextWake?.toISOString()).toBe('2026-05-27T09:05:00.000Z');
    expect(time.pending).toBe(1); // the 10:00 timer was cancelled
    await time.advance(6 * 60_000);
    expect(runs.map((r) => `${r.reason}@${r.at.slice(11, 19)}`)).toEqual(['start@08:59:00', 'change@08:59:00', 'embargo@09:05:00']);
    await scheduler.stop();
  });

  it('waits longer than setTimeout allows in steps, without running early', async () => {
    const due = Date.parse('2026-05-27T08:59:00Z') + MAX_TIMER_MS + 10_000;
    const { time, runs, scheduler } = setup((now) => (now < due ? { nextDue: new Date(due) } : {}));
    await scheduler.start();
    expect(time.delays[0]).toBe(MAX_TIMER_MS);
    await time.advance(MAX_TIMER_MS);
    expect(runs).toHaveLength(1);
    await time.advance(10_000);
    expect(runs.map((r) => r.reason)).toEqual(['start', 'embargo']);
    await scheduler.stop();
  });
});

describe('Scheduler: runs never overlap', () => {
  it('a trigger during a run is served once, right after it', async () => {
    const time = new FakeTime();
    let release!: () => void;
    let active = 0;
    let maxActive = 0;
    const reasons: Reason[] = [];
    const scheduler = new Scheduler({
      clock: () => new Date(time.now),
      timers: time,
      useCron: false,
      run: async (reason) => {
        reasons.push(reason);
        active += 1;
        maxActive = Math.max(maxActive, active);
        if (reason === 'start') await new Promise<void>((r) => (release = r));
        active -= 1;
        return {};
      },
    });
    const first = scheduler.start();
    await new Promise((r) => setImmediate(r));
    void scheduler.trigger('schedule');
    void scheduler.trigger('change');
    void scheduler.trigger('embargo');
    release();
    await first;
    await new Promise((r) => setImmediate(r));
    expect(maxActive).toBe(1);
    expect(reasons).toEqual(['start', 'schedule']);
    await scheduler.stop();
  });

  it('a run that throws is reported and the schedule goes on', async () => {
    const time = new FakeTime();
    const errors: unknown[] = [];
    let calls = 0;
    const scheduler = new Scheduler({
      clock: () => new Date(time.now),
      timers: time,
      useCron: false,
      onError: (e) => errors.push(e),
      run: async () => {
        calls += 1;
        if (calls === 1) throw new Error('boom');
        return {};
      },
    });
    await scheduler.start();
    await scheduler.trigger('schedule');
    expect(errors).toHaveLength(1);
    expect(calls).toBe(2);
    await scheduler.stop();
  });

  it('stop() waits for the running build and plans nothing after', async () => {
    const time = new FakeTime();
    let finished = false;
    const scheduler = new Scheduler({
      clock: () => new Date(time.now),
      timers: time,
      useCron: false,
      run: async () => {
        await new Promise((r) => setTimeout(r, 20));
        finished = true;
        return { nextDue: new Date(time.now + 1000) };
      },
    });
    void scheduler.start();
    await scheduler.stop();
    expect(finished).toBe(true);
    expect(time.pending).toBe(0);
    await scheduler.trigger('manual');
    expect(scheduler.nextWake).toBeUndefined();
  });
});

describe('Scheduler: a failed run never stops the schedule', () => {
  it('retries a failed run with backoff (1 s, 2 s, 4 s … capped at 5 min), and a success resets it', async () => {
    let failing = true;
    const { time, runs, scheduler } = setup(() => (failing ? { failed: true } : {}));
    await scheduler.start();
    await time.advance(3_600_000);
    const gaps = runs.slice(1).map((r, i) => (Date.parse(r.at) - Date.parse(runs[i]!.at)) / 1000);
    expect(gaps.slice(0, 11)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
    expect(runs.slice(1).every((r) => r.reason === 'retry')).toBe(true);
    failing = false;
    await time.advance(300_000);
    const settled = runs.length;
    expect(scheduler.nextRetry).toBeUndefined();
    await time.advance(3_600_000);
    expect(runs.length).toBe(settled);
    // After a success, the next failure starts again at 1 s.
    failing = true;
    await scheduler.trigger('change');
    expect(scheduler.nextRetry?.getTime()).toBe(time.now + 1_000);
    await scheduler.stop();
  });

  it('a failed run that cannot read the plan keeps the wake-up planned before it', async () => {
    const due = Date.parse('2026-05-27T09:00:00Z');
    let calls = 0;
    const { time, runs, scheduler } = setup(() => (++calls === 1 ? { nextDue: new Date(due) } : { failed: true }));
    await scheduler.start();
    await scheduler.trigger('change');
    expect(scheduler.nextWake?.toISOString()).toBe('2026-05-27T09:00:00.000Z');
    await time.advance(60_000);
    expect(runs.some((r) => r.reason === 'embargo' && r.at === '2026-05-27T09:00:00.000Z')).toBe(true);
    await scheduler.stop();
  });
});

describe('Scheduler: cron', () => {
  it('plans node-cron in the zone the story asks for (UTC by default) and re-plans on change', async () => {
    const results: RunResult[] = [{ cron: { expression: '*/5 * * * *', timeZone: 'Etc/UTC' } }];
    const scheduler = new Scheduler({ run: async () => results[0]! });
    await scheduler.start();
    const task = (scheduler as unknown as { cronTask: { getPattern(): string; getNextRun(): Date | null } }).cronTask;
    expect(task.getPattern()).toBe('*/5 * * * *');
    const next = task.getNextRun()!;
    expect(next.getUTCMinutes() % 5).toBe(0);
    expect(next.getUTCSeconds()).toBe(0);
    results[0] = { cron: { expression: '0 * * * *', timeZone: 'Etc/UTC' } };
    await scheduler.trigger('manual');
    const replanned = (scheduler as unknown as { cronTask: { getPattern(): string } }).cronTask;
    expect(replanned.getPattern()).toBe('0 * * * *');
    await scheduler.stop();
  });
});
