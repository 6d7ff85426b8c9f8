import { describe, expect, it } from 'vitest';
import { main as completeServer } from '../samples/complete-server.js';
import { main as gettingStarted } from '../samples/getting-started.js';

// The samples the site includes are type-checked with this package (`tsc`); the whole programs
// among them are run here, as the site shows them.
describe('the documentation samples that are whole programs', () => {
  it('getting started: a protected tool called with a real token', async () => {
    await expect(gettingStarted()).resolves.toMatch(/^note 42, read by client-/);
  });

  it('a complete server: own Koa routes, MCP over HTTP and WebSocket on one server, the SDK client', async () => {
    const lines = await completeServer();
    expect(lines[0]).toMatch(/^HTTP: client-.*: buy milk$/);
    expect(lines[1]).toBe('WebSocket: 4 words');
    expect(lines[2]).toBe('own route: {"hello":"world"}');
  });
});
