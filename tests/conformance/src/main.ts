import { startConformanceServer } from './conformance-server.js';

const server = await startConformanceServer(Number(process.env.PORT ?? 0));
process.stdout.write(`conformance server at ${server.url.replace('127.0.0.1', 'localhost')}\n`);
