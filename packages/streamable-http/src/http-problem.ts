import type { RequestId } from '@portcullis/core/adapter';

/**
 * A refusal found while carrying out a plan (a session store away, no room for a session),
 * thrown up to the handler, which answers it with the request's CORS headers.
 */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly id: RequestId | null = null,
  ) {
    super(message);
  }
}
