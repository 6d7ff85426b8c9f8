#!/usr/bin/env node
// The command, as a file that exists before the build, so pnpm can link it at install time.
import '../dist/cli.mjs';
