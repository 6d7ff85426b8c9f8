#!/usr/bin/env node
import { runClient } from './run-client.js';

const code = await runClient(process.argv.slice(2), process.env, {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
});
process.exitCode = code;
