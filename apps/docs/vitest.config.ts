import { testProject } from '../../vitest.shared.ts';

export default testProject('docs', { testTimeout: 240_000, include: ['test/**/*.test.ts'] });
