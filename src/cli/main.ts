/**
 * The operator CLI's entry: `npm run cli -- <command>`, or bin/otpgate.js (which runs this, compiled, from
 * dist/cli/main.js). Everything but the process itself is in run.ts.
 */
import { runCli } from './run.js';

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
});
