import { testProject } from '../../vitest.shared.ts';

export default testProject('stdio', { testTimeout: 60_000 });
