/**
 * Checks any MCP server's authorization from the outside: the 401 challenge, the protected
 * resource metadata, audience binding, `insufficient_scope`, DPoP and transport hygiene, each
 * with evidence (tokens redacted) and the spec clause it rests on.
 *
 * @packageDocumentation
 * @module @portcullis/probe
 */
export { CHECK_IDS, CHECKS } from './catalogue.js';
export type { CheckDefinition } from './check-definition.js';
export type { CheckResult, CheckStatus, Evidence, Verdict } from './check-result.js';
export type { ClientCredentials } from './client-credentials.js';
export type { EraReport, ProbeContext, ProbeTokens } from './probe-context.js';
export { formatJunitReport } from './report/junit-report.js';
export { formatTerminalReport, type TerminalReportOptions } from './report/terminal-report.js';
export { type ProbeOptions, type ProbeReport, runProbe } from './run-probe.js';
