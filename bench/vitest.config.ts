import { testProject } from '../vitest.shared.ts';

export default testProject('bench', { testTimeout: 90_000, include: ['src/**/*.test.ts'] });
