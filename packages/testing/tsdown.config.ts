import { buildConfig } from '../../tsdown.shared.ts';

export default buildConfig(['src/index.ts', 'src/dev-auth-cli.ts']);
