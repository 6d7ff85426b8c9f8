import { testProject } from '../../vitest.shared.ts';

export default testProject('observability', {
  testTimeout: 60_000,
  include: ['src/**/*.test.ts'],
  bench: true,
});
