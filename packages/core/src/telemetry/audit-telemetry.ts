import type { AuditEvent, AuditSink } from '../audit.js';
import type { Logger } from '../logger.js';
import { recordRefusedRequestSpan } from './refusal-span.js';
import { activeObservation } from './request-observation.js';
import { telemetry } from './telemetry.js';

/** The reason a refusal event is counted and logged under; `undefined` for an allowed call. */
export function refusalReasonOf(event: AuditEvent): string | undefined {
  switch (event.type) {
    case 'authentication_failed':
      return event.code;
    case 'access_denied':
      return 'insufficient_scope';
    case 'rate_limited':
      return 'rate_limited';
    case 'session_mismatch':
      return 'session_mismatch';
    default:
      return undefined;
  }
}

/** The one warn line of a refusal: who and why, never a token, a proof or an argument. */
function logRefusal(logger: Logger, event: AuditEvent, reason: string): void {
  switch (event.type) {
    case 'authentication_failed':
      logger.warn(
        { event: event.type, code: event.code, reason: event.reason, transport: event.transport },
        event.code === 'unavailable'
          ? 'request refused: the authorization server or its keys are unreachable'
          : 'request refused: authentication failed',
      );
      return;
    case 'access_denied':
      logger.warn(
        {
          event: event.type,
          kind: event.kind,
          target: event.target,
          issuer: event.issuer,
          subject: event.subject,
          clientId: event.clientId,
          missingScopes: event.missingScopes,
          transport: event.transport,
        },
        'request refused: insufficient scope',
      );
      return;
    default:
      logger.warn(
        {
          event: event.type,
          issuer: event.issuer,
          subject: event.subject,
          clientId: event.clientId,
          transport: event.transport,
        },
        reason === 'rate_limited'
          ? 'request refused: rate limited'
          : 'request refused: session owned by another identity',
      );
  }
}

/**
 * The audit sink Portcullis records to: every refusal also becomes one warn log line, a
 * `portcullis.refusals` count (and `portcullis.rate_limited`), and the `error.type` of the
 * request being served; then `sink` receives the event. A sink that throws is logged, never
 * allowed to break the call.
 */
export function createAuditRecorder(sink: AuditSink | undefined, logger: Logger): AuditSink {
  return (event) => {
    const reason = refusalReasonOf(event);
    if (reason !== undefined) {
      logRefusal(logger, event, reason);
      const observation = activeObservation();
      if (observation) observation.refuse(reason);
      else if (event.type === 'access_denied') recordRefusedRequestSpan(event);
      const { instruments } = telemetry();
      if (instruments) {
        const attributes = {
          'portcullis.refusal.reason': reason,
          ...(event.transport && { 'portcullis.transport': event.transport }),
        };
        instruments.refusals.add(1, attributes);
        if (reason === 'rate_limited') instruments.rateLimited.add(1, attributes);
      }
    }
    try {
      sink?.(event);
    } catch (error) {
      logger.error({ err: String(error) }, 'audit sink threw');
    }
  };
}
