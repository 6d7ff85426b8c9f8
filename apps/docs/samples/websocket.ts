import type { Portcullis } from '@portcullis/core';
import {
  CloseCode,
  MCP_SUBPROTOCOL,
  startWebSocketServer,
  tokenSubprotocol,
} from '@portcullis/websocket';

export async function serve(portcullis: Portcullis) {
  // #region standalone
  // WebSocket only, on its own port: plain HTTP requests get 426 Upgrade Required.
  const running = await startWebSocketServer({ portcullis, host: '127.0.0.1', port: 8081 });
  console.log(`MCP over WebSocket at ${running.url}`);
  // … on shutdown: calls in flight finish, then sockets close with CloseCode.GoingAway (1001)
  await running.close();
  // #endregion standalone
}

export function openFromBrowser(token: string) {
  // #region browser
  // Browsers cannot set headers on a WebSocket: the token travels as a subprotocol entry,
  // `bearer.<base64url>`, offered next to `mcp`. The server only ever selects `mcp`.
  const socket = new WebSocket('wss://files.example.com/mcp/ws', [
    MCP_SUBPROTOCOL,
    tokenSubprotocol(token),
  ]);
  socket.addEventListener('close', (event) => {
    if (event.code === CloseCode.TokenExpired) {
      // no fresh token came within the grace period: get one, then reconnect
    } else if (event.code === CloseCode.ReauthenticationRefused) {
      // portcullis/authenticate was refused, or named another identity
    }
  });
  // #endregion browser
  return socket;
}
