/**
 * Opens a 2025 session with `initialize` at `url` and returns the headers that name it on
 * later requests (`mcp-session-id`, `mcp-protocol-version`).
 */
export async function openLegacySession(
  url: string,
  authorization: string,
): Promise<Record<string, string>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      authorization,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'bench', version: '1' },
      },
    }),
  });
  await response.text();
  return {
    'mcp-session-id': response.headers.get('mcp-session-id') ?? '',
    'mcp-protocol-version': '2025-11-25',
  };
}
