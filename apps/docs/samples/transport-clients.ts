// How a client sends its token on each transport, with the official MCP client (SDK v2).
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { WebSocketClientTransport } from '@portcullis/websocket';

declare const token: string;

// #region http
export const overHttp = new StreamableHTTPClientTransport(
  new URL('https://files.example.com/mcp'),
  {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  },
);
// #endregion http

// #region websocket
export const overWebSocket = new WebSocketClientTransport('wss://files.example.com/mcp/ws', {
  token, // the Authorization header at the upgrade; `tokenPlacement: 'subprotocol'` for browsers
});
// #endregion websocket

// #region stdio
export const overStdio = new StdioClientTransport({
  command: 'node',
  args: ['server.js'],
  env: { PATH: process.env.PATH ?? '', MCP_ACCESS_TOKEN: token },
});
// #endregion stdio
