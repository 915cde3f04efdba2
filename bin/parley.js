#!/usr/bin/env -S node --max-semi-space-size=32
// The installed `parley` command: runs the compiled CLI (built by `npm install` through `prepare`),
// with V8's young generation as `parley serve` should run (docs/adr/0014-young-generation.md).
import '../dist/cli/parley.js';
