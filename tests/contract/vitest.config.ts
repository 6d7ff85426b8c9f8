import { testProject } from '../../vitest.shared.ts';

export default testProject('contract', { testTimeout: 120_000, include: ['src/**/*.test.ts'] });
