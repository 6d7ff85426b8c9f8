import type { Verdict } from './check-result.js';
import type { ProbeContext } from './probe-context.js';

/** One check of the catalogue: what it sends, what must come back, and the clause behind it. */
export interface CheckDefinition {
  /** Stable id, for `--only` and `--skip` (`challenge.no-token`). */
  id: string;
  title: string;
  /** What the probe sends, in a sentence (for the catalogue). */
  sends: string;
  /** What must come back for the check to pass. */
  expects: string;
  /** The spec clauses it rests on. */
  clause: string;
  run(ctx: ProbeContext): Promise<Verdict>;
}
