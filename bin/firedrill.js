#!/usr/bin/env node
import { main } from '../dist/cli/main.js';

const code = await main(process.argv);
// Stdout and stderr writes are synchronous on Linux, so nothing printed is lost by exiting
// now; exiting explicitly means no stray handle (a keep-alive socket) can hold the CLI open.
process.exit(code);
