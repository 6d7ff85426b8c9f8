import { buildConfig } from '../../tsdown.shared.ts';

export default buildConfig(['src/cli.ts', 'src/index.ts']);
