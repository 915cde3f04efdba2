import { ExitCode, runCli } from './main.js';

// The `parley` program. `serve` keeps the process alive through its server; every other command
// ends with its exit code.
const args = process.argv.slice(2);
const code = await runCli(args);
if (code !== ExitCode.OK || args[0] !== 'serve') process.exitCode = code;
