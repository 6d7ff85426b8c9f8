/** What a check found: it held, it did not, or it could not be asked of this server. */
export type CheckStatus = 'pass' | 'fail' | 'not-applicable';

/** One request the probe sent and what came back, tokens redacted. */
export interface Evidence {
  request: { method: string; url: string; headers: Record<string, string>; body?: string };
  /** `undefined` when no answer came (connection refused, timeout). */
  status?: number;
  headers: Record<string, string>;
  /** The first characters of the answer's body. */
  bodyExcerpt: string;
  /** Why no answer came, when none did. */
  error?: string;
}

/** The result of one check. */
export interface CheckResult {
  id: string;
  title: string;
  status: CheckStatus;
  /** One sentence: what was seen, or why the check does not apply. */
  summary: string;
  /** The spec clauses the check rests on. */
  clause: string;
  evidence: Evidence[];
}

/** A check's verdict before the catalogue adds its id, title and clause. */
export interface Verdict {
  status: CheckStatus;
  summary: string;
  evidence: Evidence[];
}

/** The check held. */
export const pass = (summary: string, ...evidence: Evidence[]): Verdict => ({
  status: 'pass',
  summary,
  evidence,
});

/** The check did not hold. */
export const fail = (summary: string, ...evidence: Evidence[]): Verdict => ({
  status: 'fail',
  summary,
  evidence,
});

/** The check cannot be asked of this server or with what the probe was given. */
export const notApplicable = (summary: string, ...evidence: Evidence[]): Verdict => ({
  status: 'not-applicable',
  summary,
  evidence,
});
