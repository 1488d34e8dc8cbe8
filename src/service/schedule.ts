// When to build: at start, on the cron schedule, at the exact instant the next embargoed entry
// is due, when the entries change, and again after a failed run (with backoff). Knows nothing of
// feeds: it calls `run` and learns from its result when the next embargo falls due, whether the
// run succeeded or not. The clock and the timers are injected, for tests.

import { schedule as cronSchedule, type ScheduledTask } from 'node-cron';

export type Reason = 'start' | 'schedule' | 'embargo' | 'change' | 'manual' | 'retry';

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const REAL_TIMERS: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** setTimeout's longest delay (2^31 − 1 ms ≈ 24.8 days); longer waits are re-planned in steps. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface RunResult {
  /** The next instant at which something becomes due (embargo end, retraction), if any. */
  readonly nextDue?: Date;
  /** The cron expression and zone the story asks for now (re-planned when they change). */
  readonly cron?: { readonly expression: string; readonly timeZone: string };
  /**
   * The run failed (nothing published). It is retried with backoff; its `nextDue` and `cron` come
   * from the entries all the same (a failed run never cancels a planned wake-up).
   */
  readonly failed?: boolean;
}

/** The first retry after a failed run (ms); each further failure doubles it. */
export const RETRY_FIRST_MS = 1_000;
/** The longest wait between retries (ms); the cron schedule keeps running meanwhile. */
export const RETRY_MAX_MS = 5 * 60_000;

export interface SchedulerOptions {
  readonly run: (reason: Reason) => Promise<RunResult>;
  readonly clock?: () => Date;
  readonly timers?: Timers;
  /** Turn cron off in tests that drive the clock by hand. */
  readonly useCron?: boolean;
  /** Called when a run throws (a bug); the schedule goes on, and the run is retried. */
  readonly onError?: (error: unknown, reason: Reason) => void;
  /** Longest wait between retries of failed runs (default RETRY_MAX_MS). */
  readonly retryMaxMs?: number;
}

export class Scheduler {
  private readonly clock: () => Date;
  private readonly timers: Timers;
  private running: Promise<void> | undefined;
  private pending: Reason | undefined;
  private wakeHandle: unknown;
  private wakeAt: Date | undefined;
  private cronTask: ScheduledTask | undefined;
  private cronKey = '';
  private stopped = false;
  private failures = 0;
  private retryHandle: unknown;
  private retryAt: Date | undefined;

  constructor(private readonly options: SchedulerOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.timers = options.timers ?? REAL_TIMERS;
  }

  /** The instant of the planned embargo wake-up, if any. */
  get nextWake(): Date | undefined {
    return this.wakeAt;
  }

  /** When a failed run is retried, if one failed. */
  get nextRetry(): Date | undefined {
    return this.retryAt;
  }

  /** The next instant a run is planned: the next cron tick, embargo wake-up or retry, whichever is first. */
  get nextRun(): Date | undefined {
    const times = [this.cronTask?.getNextRun()?.getTime(), this.wakeAt?.getTime(), this.retryAt?.getTime()].filter((t): t is number => t !== undefined);
    return times.length > 0 ? new Date(Math.min(...times)) : undefined;
  }

  start(): Promise<void> {
    return this.trigger('start');
  }

  /**
   * Ask for a run. Runs never overlap: a request during a run is remembered (once) and served
   * right after it, so an embargo falling due mid-build is never lost.
   */
  trigger(reason: Reason): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.pending = this.pending ?? reason;
      return this.running;
    }
    this.running = this.loop(reason).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async loop(first: Reason): Promise<void> {
    let reason: Reason | undefined = first;
    while (reason !== undefined && !this.stopped) {
      this.pending = undefined;
      let result: RunResult;
      try {
        result = await this.options.run(reason);
      } catch (error) {
        this.options.onError?.(error, reason);
        result = { failed: true };
      }
      if (this.stopped) return;
      if (result.cron) this.planCron(result.cron.expression, result.cron.timeZone);
      // A failed run that could not read the plan leaves the planned wake-up as it was.
      if (!result.failed || result.nextDue) this.planWake(result.nextDue);
      this.planRetry(result.failed === true);
      reason = this.pending;
    }
  }

  private planWake(due: Date | undefined): void {
    if (this.wakeHandle !== undefined) this.timers.clearTimeout(this.wakeHandle);
    this.wakeHandle = undefined;
    this.wakeAt = due;
    if (!due || this.stopped) return;
    const delay = Math.min(Math.max(0, due.getTime() - this.clock().getTime()), MAX_TIMER_MS);
    this.wakeHandle = this.timers.setTimeout(() => {
      this.wakeHandle = undefined;
      // A timer may fire early (clamped long waits, clock adjustments): only run when due.
      if (this.clock().getTime() < due.getTime()) this.planWake(due);
      else void this.trigger('embargo');
    }, delay);
  }

  /** Backoff after failures: 1 s, 2 s, 4 s … up to retryMaxMs; a success resets it. */
  private planRetry(failed: boolean): void {
    if (this.retryHandle !== undefined) this.timers.clearTimeout(this.retryHandle);
    this.retryHandle = undefined;
    this.retryAt = undefined;
    if (!failed) {
      this.failures = 0;
      return;
    }
    const delay = Math.min(RETRY_FIRST_MS * 2 ** Math.min(this.failures, 30), this.options.retryMaxMs ?? RETRY_MAX_MS);
    this.failures += 1;
    this.retryAt = new Date(this.clock().getTime() + delay);
    this.retryHandle = this.timers.setTimeout(() => {
      this.retryHandle = undefined;
      this.retryAt = undefined;
      void this.trigger('retry');
    }, delay);
  }

  private planCron(expression: string, timeZone: string): void {
    if (this.options.useCron === false) return;
    const key = `${expression}\u0000${timeZone}`;
    if (key === this.cronKey && this.cronTask) return;
    void this.cronTask?.destroy();
    this.cronKey = key;
    // noOverlap: node-cron skips a tick while one runs; our own single-flight above coalesces.
    this.cronTask = cronSchedule(expression, () => this.trigger('schedule'), { timezone: timeZone, noOverlap: true, name: 'storyfeed-build' });
  }

  /** Stop planning, then wait for a running build to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.wakeHandle !== undefined) this.timers.clearTimeout(this.wakeHandle);
    this.wakeHandle = undefined;
    if (this.retryHandle !== undefined) this.timers.clearTimeout(this.retryHandle);
    this.retryHandle = undefined;
    if (this.cronTask) await this.cronTask.destroy();
    this.cronTask = undefined;
    await this.running;
  }
}
