import type { RunningFileServer } from './start-file-server.js';
import { onNode22, THIRD_PARTY } from './third-party-clients.js';

/** What a person needs to start using the server, printed once at start. */
export function formatBanner(server: RunningFileServer): string {
  const lines = [
    '',
    'Portcullis file server',
    `  serving            ${server.root}`,
    `  MCP (HTTP)         ${server.url}`,
    `  MCP (WebSocket)    ${server.websocketUrl}`,
    `  resource metadata  ${server.metadataUrl}`,
    `  issuer             ${server.issuer}${server.development ? '   (embedded development server; tokens vanish when it stops)' : ''}`,
  ];
  const dpop = server.portcullis.dpop;
  if (dpop)
    lines.push(
      `  DPoP               ${dpop.mode}: DPoP-bound tokens need a proof on every request${dpop.mode === 'required' ? '; Bearer tokens are refused' : ''}`,
    );
  const development = server.development;
  if (!development) {
    lines.push(
      '',
      'Get tokens from your authorization server with resource (audience) set to the MCP URL above.',
      '',
    );
    return lines.join('\n');
  }
  if (dpop?.mode === 'required') {
    lines.push(
      '',
      'Bearer tokens are refused: get DPoP-bound ones by client credentials with a DPoP proof, e.g. with the client demo:',
      `  MCP_CLIENT_SECRET=${development.clientSecret} npx -y pnpm@10.34.9 run client -- tools --dpop --server ${server.url} --client-id ${development.clientId}`,
      '(see docs/dpop.md)',
      '',
    );
    return lines.join('\n');
  }
  const hours = Math.round(development.tokenLifetime / 3600);
  const token = development.tokens.readWrite;
  const inspector = ['npx', ...onNode22(THIRD_PARTY.inspector, 'mcp-inspector')].join(' ');
  const mcpRemote = onNode22(THIRD_PARTY.mcpRemote, 'mcp-remote');
  lines.push(
    '',
    `Tokens (valid ${hours} h; the Authorization header is "Bearer <token>"):`,
    `  read-only   files:read files:list`,
    `    ${development.tokens.readOnly}`,
    `  read-write  files:read files:write files:list`,
    `    ${token}`,
    '',
    `More tokens: client credentials at ${server.development?.server.tokenEndpoint}`,
    `  client_id=${development.clientId}  client_secret=${development.clientSecret}  resource=${server.url}`,
    '',
    'MCP Inspector (command line; npx brings the Node 22 it needs):',
    `  ${inspector} --cli ${server.url} --transport http --header "Authorization: Bearer ${token}" --method tools/list`,
    '',
    'mcp-remote (a stdio bridge for clients that only speak stdio):',
    `  npx ${mcpRemote.join(' ')} ${server.url} --header "Authorization:Bearer ${token}"`,
    '',
    'Claude Desktop (claude_desktop_config.json):',
    JSON.stringify(
      {
        mcpServers: {
          'portcullis-files': {
            command: 'npx',
            args: [...mcpRemote, server.url, '--header', `Authorization:Bearer ${token}`],
          },
        },
      },
      null,
      2,
    )
      .split('\n')
      .map((line) => `  ${line}`)
      .join('\n'),
    '',
  );
  return lines.join('\n');
}
