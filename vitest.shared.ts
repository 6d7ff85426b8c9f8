import { defineProject } from 'vitest/config';

/**
 * The test project of one workspace package: sources resolve through the
 * `@portcullis/source` export condition, so tests need no build.
 */
export function testProject(
  name: string,
  options: { testTimeout?: number; hookTimeout?: number; include?: string[]; bench?: boolean } = {},
) {
  return defineProject({
    resolve: { conditions: ['@portcullis/source'] },
    ssr: { resolve: { conditions: ['@portcullis/source'] } },
    test: {
      name,
      include: options.include ?? ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: options.testTimeout ?? 20_000,
      // Hooks start servers and child processes: on a loaded machine they need as long as tests.
      hookTimeout: options.hookTimeout ?? options.testTimeout ?? 20_000,
      ...(options.bench && { benchmark: { include: ['bench/**/*.bench.ts'] } }),
    },
  });
}
