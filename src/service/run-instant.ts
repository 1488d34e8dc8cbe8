// The instant a service run builds for. A clock that goes back (an NTP step, a virtual machine
// restored from a snapshot) would have the next run build for an earlier instant, and take back what
// went out since — developments "scheduled" again, gone from the feeds until the clock caught up.
// So a run never builds for an instant earlier than the last one: it builds for the last run's
// instant, and says so in its log. The first run's "last" is the folder's last change when that is
// later than the clock (service/index.ts, from build/state/rehearsal.ts readBuiltAs).

/** `clock`: the clock now; `last`: the instant the previous run built for (none before the first). */
export function runInstant(clock: Date, last: Date | undefined): { readonly at: Date; readonly behindMs?: number } {
  if (last === undefined || clock.getTime() >= last.getTime()) return { at: clock };
  return { at: last, behindMs: last.getTime() - clock.getTime() };
}
