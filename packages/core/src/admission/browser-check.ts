import { AuthError } from '../auth-error.js';
import { clippedText } from '../clipped-text.js';
import type { BrowserCheck } from './admission-entry.js';

/**
 * Refuses a request whose `Host` this resource does not answer to (DNS rebinding) or whose
 * `Origin` is a foreign web page (CSRF, cross-site WebSocket): 403, before any credential is
 * read. A refused `Host` names the host expected and the fixes behind a proxy.
 */
export function checkBrowser({ policy, host, origin }: BrowserCheck): void {
  if (!policy.allowsHost(host)) throw new AuthError('forbidden', policy.hostRefusal(host));
  if (!policy.allowsOrigin(origin))
    throw new AuthError(
      'forbidden',
      `Forbidden: Origin ${clippedText(origin ?? '')} is not allowed`,
    );
}
