import { testProject } from '../../vitest.shared.ts';

export default testProject('security', { testTimeout: 120_000, include: ['src/**/*.test.ts'] });
