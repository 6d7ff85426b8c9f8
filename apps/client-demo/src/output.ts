import { decodeJwt } from 'jose';
import type { ListedTool, ToolCallResult } from './mcp-connection.js';
import type { ScopeRefusal } from './refusal.js';

const list = (scopes: readonly string[]) => (scopes.length > 0 ? scopes.join(', ') : '(none)');

/** A tool listing for a person. */
export function formatTools(tools: readonly ListedTool[]): string {
  if (tools.length === 0) return 'No tools are available with this token.';
  const width = Math.max(...tools.map((tool) => tool.name.length));
  return tools
    .map((tool) =>
      `${tool.name.padEnd(width)}  ${tool.title ?? tool.description?.split('\n')[0] ?? ''}`.trimEnd(),
    )
    .join('\n');
}

/** A tool result for a person: its text, or its other content described. */
export function formatCallResult(result: ToolCallResult): string {
  const parts = result.content.map((item) =>
    item.type === 'text' ? (item.text ?? '') : `[${item.type} content]`,
  );
  return `${result.isError ? 'The tool reported an error:\n' : ''}${parts.join('\n')}`;
}

/** A scope refusal in plain words. */
export function formatScopeRefusal(refusal: ScopeRefusal): string {
  const missing = refusal.required.filter((scope) => !refusal.granted.includes(scope));
  return [
    `Refused: ${refusal.tool ? `the tool ${refusal.tool}` : 'this call'} needs more scope than the token has.`,
    `  required: ${list(refusal.required.length > 0 ? refusal.required : (refusal.challengeScope ?? []))}`,
    `  granted:  ${list(refusal.granted)}`,
    ...(missing.length > 0 ? [`  missing:  ${list(missing)}`] : []),
    'Ask for the missing scope with --scope, or retry with --step-up.',
  ].join('\n');
}

/** The claims of a token, decoded locally and clearly marked as unverified. */
export function describeToken(token: string): {
  verified: false;
  claims?: Record<string, unknown>;
  opaque?: true;
} {
  try {
    return { verified: false, claims: decodeJwt(token) as Record<string, unknown> };
  } catch {
    return { verified: false, opaque: true };
  }
}

/** `whoami` for a person. */
export function formatWhoami(token: string): string {
  const { claims } = describeToken(token);
  if (!claims) return 'The token is opaque: only the server can tell what it means.';
  const time = (value: unknown) =>
    typeof value === 'number' ? `${new Date(value * 1000).toISOString()}` : '-';
  return [
    'Token claims, decoded locally (the signature is NOT verified; only the server can vouch for them):',
    `  issuer:   ${claims.iss ?? '-'}`,
    `  subject:  ${claims.sub ?? '-'}`,
    `  client:   ${claims.client_id ?? claims.azp ?? '-'}`,
    `  audience: ${Array.isArray(claims.aud) ? claims.aud.join(', ') : (claims.aud ?? '-')}`,
    `  scopes:   ${claims.scope ?? claims.scp ?? '-'}`,
    `  expires:  ${time(claims.exp)}`,
  ].join('\n');
}
