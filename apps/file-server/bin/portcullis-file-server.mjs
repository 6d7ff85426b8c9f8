#!/usr/bin/env node
// The command, as a file that exists before the build: pnpm links workspace bins at install,
// when dist/ is not built yet. It runs the built CLI.
import '../dist/cli.mjs';
