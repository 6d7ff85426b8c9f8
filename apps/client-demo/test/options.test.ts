import { describe, expect, it } from 'vitest';
import { parseClientOptions } from '../src/options.js';
import { ExitCode, runClient } from '../src/run-client.js';

describe('the command line', () => {
  it('skips the leading -- that `pnpm run client -- …` passes on', async () => {
    const out: string[] = [];
    const code = await runClient(
      ['--', '--help'],
      {},
      { out: (text) => out.push(text), err: () => {} },
    );
    expect(code).toBe(ExitCode.Done);
    expect(out.join('\n')).toContain(
      'portcullis-client: call tools on an OAuth-protected MCP server',
    );

    const options = parseClientOptions(
      [
        '--',
        'call',
        'read_file',
        '--args',
        '{"path":"a.txt"}',
        '--json',
        '--server',
        'http://127.0.0.1:1/mcp',
      ],
      {},
    );
    expect(options).toMatchObject({
      command: 'call',
      toolName: 'read_file',
      args: { path: 'a.txt' },
      json: true,
      server: 'http://127.0.0.1:1/mcp',
      help: false,
    });
  });

  it('still reads a later -- as the end of the flags', () => {
    expect(() => parseClientOptions(['tools', '--', 'extra'], {})).not.toThrow();
    expect(parseClientOptions(['tools', '--', '--json'], {}).json).toBe(false);
  });
});
