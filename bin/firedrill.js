#!/usr/bin/env node
'use strict';
// Starts the bundled CLI (dist/firedrill.cjs, built by `npm run build`) through a V8 code
// cache, one per command, kept next to the bundle: a warm start skips compiling the bundle,
// which is most of a short command's time on Node 20. A cache V8 rejects (another Node
// version) is rewritten; a cache that cannot be written (read-only install) is skipped.
// CommonJS (bin/package.json): Node starts it a few milliseconds sooner than an ES module.
const { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname, join } = require('node:path');
const vm = require('node:vm');

// `firedrill … | head` closes the pipe early: that is the reader's choice, not an error. The
// command goes on without its output — never exit here: a run still has faults to revert.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error;
    stream.write = (_chunk, encoding, callback) => {
      const done = typeof encoding === 'function' ? encoding : callback;
      if (typeof done === 'function') done();
      return true;
    };
  });
}

const bundle = join(__dirname, '..', 'dist', 'firedrill.cjs');
if (!existsSync(bundle)) {
  process.stderr.write(`firedrill: ${bundle} is missing; run \`npm run build\` first\n`);
  process.exit(3);
}
const command = /^[a-z][a-z-]*$/.test(process.argv[2] ?? '') ? process.argv[2] : 'default';
const cacheFile = join(dirname(bundle), '.cache', `${command}-${process.version}.bin`);
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}
// The bundle is ASCII and already wrapped as a CommonJS module (scripts/bundle.mjs).
const script = new vm.Script(readFileSync(bundle, 'latin1'), { filename: bundle, cachedData });
const cli = { exports: {} };
script.runInThisContext()(cli.exports, createRequire(bundle), cli, bundle, dirname(bundle));

// Exit explicitly so that no stray handle (a keep-alive socket) holds the CLI open, but only
// once stdout and stderr are flushed: writes to a pipe are asynchronous and would be cut off.
const flushed = (stream) => new Promise((resolve) => stream.write('', resolve));

cli.exports.main(process.argv).then(async (code) => {
  if (cachedData === undefined || script.cachedDataRejected) {
    try {
      // After the command ran, the cache also holds the functions it compiled on the way.
      mkdirSync(dirname(cacheFile), { recursive: true });
      writeFileSync(`${cacheFile}.${process.pid}`, script.createCachedData());
      renameSync(`${cacheFile}.${process.pid}`, cacheFile);
    } catch {
      // No cache this time: the next start compiles again, nothing else changes.
    }
  }
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
});
