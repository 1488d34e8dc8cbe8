// The instant a service run builds for. `storyfeed start` refuses a folder whose last change is
// later than the clock (build/state/rehearsal.ts), but that is checked once, as it starts: a clock
// that goes back while it runs (an NTP step, a virtual machine restored from a snapshot) would have
// the next run build for an earlier instant, and take back what went out since — developments
// "scheduled" again, gone from the feeds until the clock caught up. So a run never builds for an
// instant earlier than the last one: it builds for the last run's instant, and says so in its log.

/** `clock`: the clock now; `last`: the instant the previous run built for (none before the first). */
export function runInstant(clock: Date, last: Date | undefined): { readonly at: Date; readonly behindMs?: number } {
  if (last === undefined || clock.getTime() >= last.getTime()) return { at: clock };
  return { at: last, behindMs: last.getTime() - clock.getTime() };
}
