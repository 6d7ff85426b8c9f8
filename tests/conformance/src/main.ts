import { parseArgs } from 'node:util';
import { startConformanceServer } from './conformance-server.js';

const { values } = parseArgs({
  options: { sessions: { type: 'boolean' }, authorization: { type: 'boolean' } },
});
const server = await startConformanceServer({ port: Number(process.env.PORT ?? 0), ...values });
process.stdout.write(`conformance server at ${server.url}\n`);
