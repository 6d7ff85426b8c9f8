import { buildConfig } from '../../tsdown.shared.ts';

export default buildConfig();
