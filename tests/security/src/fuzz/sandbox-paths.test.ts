import type { HandlerContext } from '@portcullis/core';
import { createFileTools, DEFAULT_LIMITS } from '@portcullis/file-server';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostileString } from './arbitraries.js';
import { RUNS } from './runs.js';
import { createSandboxFixture, ESCAPE_NAMES, type SandboxFixture } from './sandbox-fixture.js';

/** Path segments: the ways out, dot segments, encodings, separators and arbitrary text. */
const segment = fc.oneof(
  fc.constantFrom('..', '.', '', 'docs', 'deep', 'a.txt', 'b.txt', 'new', ...ESCAPE_NAMES),
  fc.constantFrom(
    'outside',
    'etc',
    'passwd',
    '%2e%2e',
    '..%2f',
    '...',
    '.. ',
    '~',
    'C:',
    '\0',
    '\\..',
  ),
  fc.constantFrom('.portcullis-write-00000000-0000-0000-0000-000000000000.tmp'),
  hostileString(8),
);
const path = fc
  .tuple(
    fc.constantFrom('', '', '', '/', './', '\\', 'C:/', '//'),
    fc.array(segment, { minLength: 1, maxLength: 5 }),
    fc.constantFrom('/', '/', '/', '\\', '//'),
    fc.constantFrom('', '', '/', '/.'),
  )
  .map(([start, segments, separator, end]) => `${start}${segments.join(separator)}${end}`);

/** One tool call: its name and arguments, as a caller could send them. */
const call = fc.oneof(
  fc.record({
    tool: fc.constant('read_file'),
    args: fc.record(
      {
        path,
        offset: fc.nat(64),
        length: fc.integer({ min: 1, max: 64 }),
        encoding: fc.constantFrom('utf8', 'base64'),
      },
      { requiredKeys: ['path'] },
    ),
  }),
  fc.record({
    tool: fc.constant('write_file'),
    args: fc.record(
      {
        path,
        content: fc.constantFrom('written by the fuzzer', 'd3JpdHRlbg=='),
        encoding: fc.constantFrom('utf8', 'base64'),
        createFolders: fc.boolean(),
      },
      { requiredKeys: ['path', 'content'] },
    ),
  }),
  fc.record({ tool: fc.constant('list_files'), args: fc.record({ path }, { requiredKeys: [] }) }),
);

describe('the path sandbox of the file server, through its exported tools', () => {
  let fixture: SandboxFixture;
  let tools: ReturnType<typeof createFileTools>;
  beforeAll(async () => {
    fixture = await createSandboxFixture();
    tools = createFileTools(fixture.root, DEFAULT_LIMITS);
  });
  afterAll(() => fixture.remove());

  it('never crashes, never shows the outside, never writes outside, never names a server path', async () => {
    const served = new Set(tools.map((tool) => tool.name));
    expect([...served].sort()).toEqual(['list_files', 'read_file', 'write_file']);
    const counts = { ok: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(call, async ({ tool: toolName, args }) => {
        const tool = tools.find((candidate) => candidate.name === toolName)!;
        const parsed = tool.input!.safeParse(args);
        if (!parsed.success) return;
        let text: string;
        try {
          const result = await tool.handler(parsed.data as never, {} as HandlerContext);
          text = JSON.stringify(result);
          counts.ok += 1;
        } catch (error) {
          // Every failure is a tool error that says why, never an unexpected one.
          expect((error as Error).name).toBe('FileAccessError');
          text = (error as Error).message;
          expect(text).not.toMatch(/unexpected error/);
          counts.refused += 1;
        }
        expect(text).not.toContain(fixture.secret);
        expect(text).not.toContain(Buffer.from(fixture.secret).toString('base64').slice(0, 16));
        expect(text).not.toContain(fixture.secretName);
        expect(text).not.toContain(fixture.base);
        expect(await fixture.outsideUnchanged()).toBe(true);
      }),
      { numRuns: RUNS },
    );
    // Both outcomes happened: the property saw real reads and writes, and real refusals.
    expect(counts.ok).toBeGreaterThan(RUNS / 100);
    expect(counts.refused).toBeGreaterThan(RUNS / 100);
    // No temporary file is left anywhere in the served folder.
    expect(
      (await fixture.listRoot()).filter((name) => name.includes('.portcullis-write-')),
    ).toEqual([]);
  });
});
