import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@portcullis/source'] },
  ssr: { resolve: { conditions: ['@portcullis/source'] } },
  test: {
    name: 'interop',
    include: ['src/**/*.test.ts'],
    testTimeout: 600_000,
  },
});
