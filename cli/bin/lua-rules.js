#!/usr/bin/env node
'use strict';
// The `lua-rules` command. The TypeScript sources are compiled to out/ by `npm install`
// (the `prepare` script); say so plainly if that has not happened.
const path = require('node:path');
const main = path.join(__dirname, '..', '..', 'out', 'cli', 'src', 'main.js');
let entry;
try {
  entry = require(main);
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND' && String(error.message).includes(main)) {
    process.stderr.write('lua-rules: not built yet: run `npm install` (or `npm run build`) in ' + path.join(__dirname, '..', '..') + '\n');
    process.exit(2);
  }
  throw error;
}
require(path.join(__dirname, '..', '..', 'out', 'cli', 'src', 'output-errors.js')).handleOutputErrors();
entry.main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write('lua-rules: internal error: ' + (error && error.stack ? error.stack : String(error)) + '\n');
    process.exitCode = 1;
  },
);
