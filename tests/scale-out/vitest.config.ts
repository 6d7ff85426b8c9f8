import { testProject } from '../../vitest.shared.ts';

export default testProject('scale-out', { testTimeout: 60_000, include: ['src/**/*.test.ts'] });
