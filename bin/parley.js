#!/usr/bin/env node
// The installed `parley` command: runs the compiled CLI (built by `npm install` through `prepare`).
import '../dist/cli/parley.js';
