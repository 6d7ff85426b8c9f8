import type { CheckDefinition } from './check-definition.js';
import { challengeChecks } from './checks/challenge-checks.js';
import { dpopChecks } from './checks/dpop-checks.js';
import { metadataChecks } from './checks/metadata-checks.js';
import { scopeChecks } from './checks/scope-checks.js';
import { notEchoedCheck, tokenChecks } from './checks/token-checks.js';
import { transportChecks } from './checks/transport-checks.js';
import { websocketChecks } from './checks/websocket-checks.js';

/** Every check, in the order they run; `token.not-echoed` last, as it reads every answer. */
export const CHECKS: readonly CheckDefinition[] = [
  ...metadataChecks,
  ...challengeChecks,
  ...tokenChecks,
  ...scopeChecks,
  ...dpopChecks,
  ...transportChecks,
  ...websocketChecks,
  notEchoedCheck,
];

/** Every check id. */
export const CHECK_IDS: readonly string[] = CHECKS.map((check) => check.id);
