import { testProject } from '../../vitest.shared.ts';

export default testProject('client-demo', { testTimeout: 60_000 });
