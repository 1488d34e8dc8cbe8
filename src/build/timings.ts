// `storyfeed build --timings`: milliseconds per phase of a run, in order.

export function phaseTimer(): { readonly timings: Array<readonly [phase: string, ms: number]>; phase(name: string): void } {
  const timings: Array<readonly [string, number]> = [];
  let lap = performance.now();
  return {
    timings,
    phase(name: string) {
      const t = performance.now();
      timings.push([name, Math.round(t - lap)]);
      lap = t;
    },
  };
}
