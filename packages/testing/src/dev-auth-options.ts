import { parseArgs } from 'node:util';
import type { AuthorizationServerProfile } from './profiles.js';

/** How `portcullis-dev-auth` was asked to run. */
export interface DevAuthOptions {
  profile: AuthorizationServerProfile;
  /** The scopes the server knows besides its defaults, and the printed token carries. */
  scopes: string[];
  /** The MCP endpoint the token is for (RFC 8707 `resource`, the token audience). */
  resource: string;
  host: string;
  port: number;
  clientId: string;
  /** Token lifetime in seconds. */
  ttlSeconds: number;
  help: boolean;
}

/** The usage `--help` prints. */
export const DEV_AUTH_HELP = `portcullis-dev-auth: a development OAuth 2.1 authorization server (oidc-provider) for an MCP server
and its clients, printing a client's credentials and a ready token. For development and tests only.

Usage:
  portcullis-dev-auth --scopes notes:read,notes:write --resource http://127.0.0.1:8080/mcp [options]

Options:
  --resource URL     the MCP endpoint tokens are for (their audience); required
  --scopes LIST      the scopes tokens carry, comma- or space-separated (added to the defaults)
  --profile NAME     standard (RFC 9068 tokens, default) or casdoor (tokens and paths as Casdoor's)
  --port N           the port to listen on; 0 (default) picks a free one
  --host ADDRESS     the address to bind (default 127.0.0.1)
  --client-id ID     the id of the client it registers (default dev-client)
  --ttl SECONDS      how long tokens live (default 86400)
  --help             this text
`;

/** Parses the command line; throws a `TypeError` that says what is wrong. */
export function parseDevAuthOptions(args: readonly string[]): DevAuthOptions {
  const { values } = parseArgs({
    args: args[0] === '--' ? args.slice(1) : [...args],
    options: {
      resource: { type: 'string' },
      scopes: { type: 'string', default: '' },
      profile: { type: 'string', default: 'standard' },
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      'client-id': { type: 'string', default: 'dev-client' },
      ttl: { type: 'string', default: '86400' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const help = values.help ?? false;
  const profile = values.profile;
  if (profile !== 'standard' && profile !== 'casdoor')
    throw new TypeError(`--profile must be standard or casdoor, not ${profile}`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new TypeError(`--port must be a port number, not ${values.port}`);
  const ttlSeconds = Number(values.ttl);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0)
    throw new TypeError(`--ttl must be a number of seconds, not ${values.ttl}`);
  const resource = values.resource ?? '';
  if (!help) {
    if (!resource) throw new TypeError('--resource is required: the URL of your MCP endpoint');
    if (!URL.canParse(resource)) throw new TypeError(`--resource must be a URL, not ${resource}`);
  }
  return {
    profile,
    scopes: (values.scopes ?? '').split(/[\s,]+/).filter(Boolean),
    resource,
    host: values.host ?? '127.0.0.1',
    port,
    clientId: values['client-id'] ?? 'dev-client',
    ttlSeconds,
    help,
  };
}
