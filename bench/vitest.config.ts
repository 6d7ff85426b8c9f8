import { testProject } from '../vitest.shared.ts';

export default testProject('bench', { testTimeout: 0, include: ['src/**/*.test.ts'] });
