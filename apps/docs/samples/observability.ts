import { logs, SeverityNumber } from '@opentelemetry/api-logs';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { AuditSink } from '@portcullis/core';

// #region sdk
// Reads OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER…
new NodeSDK().start();
// #endregion sdk

// #region audit
const auditLogger = logs.getLogger('portcullis-audit');

/** The audit sink, shipped as OpenTelemetry log records (the mapping in the table above). */
export const audit: AuditSink = (event) =>
  auditLogger.emit({
    eventName: `portcullis.${event.type}`,
    severityNumber: event.type === 'access_allowed' ? SeverityNumber.INFO : SeverityNumber.WARN,
    body: event.type,
    attributes: {
      ...(event.transport && { 'portcullis.transport': event.transport }),
      ...('subject' in event &&
        event.subject && { 'user.id': event.subject, 'portcullis.client.id': event.clientId }),
      ...('code' in event && { 'portcullis.refusal.reason': event.code }),
      ...('target' in event && { 'portcullis.target': event.target }),
    },
  });
// #endregion audit
