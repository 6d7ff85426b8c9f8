/**
 * The third-party MCP clients the banner prints commands for, pinned to the versions
 * `tests/interop` runs. They need Node 22, which `npx -p node@22` brings from the npm
 * registry, so the commands work on Node 20 too; see docs/compatibility.md.
 */
export const THIRD_PARTY = {
  inspector: '@modelcontextprotocol/inspector@2.12.0',
  mcpRemote: 'mcp-remote@0.15.1',
  node: 'node@22',
} as const;

/** `npx` arguments that run `bin` from `pkg` on Node 22. */
export const onNode22 = (pkg: string, bin: string) => [
  '-y',
  '-p',
  THIRD_PARTY.node,
  '-p',
  pkg,
  bin,
];
