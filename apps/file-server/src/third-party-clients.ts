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

/**
 * `npx` arguments that run `bin` from `pkg` on Node 22. npm installs them with the Node that
 * runs npx (20), which makes npm print one `EBADENGINE` warning per package wanting Node 22 on
 * a first run although they then run on Node 22: `--loglevel=error` keeps those out.
 */
export const onNode22 = (pkg: string, bin: string) => [
  '--loglevel=error',
  '-y',
  '-p',
  THIRD_PARTY.node,
  '-p',
  pkg,
  bin,
];
