/**
 * Runs per property: at least 10,000 in CI; `FUZZ_RUNS` raises it for a longer hunt (never
 * lowers it below the floor, so a run that passes has always tried at least as much).
 */
export const RUNS = Math.max(10_000, Number(process.env.FUZZ_RUNS) || 0);
