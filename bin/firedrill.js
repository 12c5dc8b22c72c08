#!/usr/bin/env node
import { main } from '../dist/main.js';

const code = await main(process.argv);
// Exit explicitly so that no stray handle (a keep-alive socket) holds the CLI open, but only
// once stdout and stderr are flushed: writes to a pipe are asynchronous and would be cut off.
const flushed = (stream) => new Promise((resolve) => stream.write('', resolve));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);
