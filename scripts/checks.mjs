// `npm test`'s first step: the type check, the linter and the formatter check, run at once (each is one
// process on one core; in a row they took half a minute). Each one's output is printed whole when it ends;
// the step fails when any of them does.
import { spawn } from 'node:child_process';

const checks = [
  ['typecheck', ['npx', 'tsc', '-p', 'tsconfig.json', '--noEmit']],
  ['eslint', ['npx', 'eslint', '.']],
  ['prettier', ['npx', 'prettier', '--check', '--log-level', 'warn', '.']],
];

const results = await Promise.all(
  checks.map(
    ([name, [command, ...args]]) =>
      new Promise((resolve) => {
        const child = spawn(command, args, { shell: process.platform === 'win32' });
        let output = '';
        child.stdout.on('data', (chunk) => (output += chunk));
        child.stderr.on('data', (chunk) => (output += chunk));
        child.on('error', (error) => resolve({ name, code: 1, output: String(error) }));
        child.on('close', (code) => {
          process.stdout.write(`${name}: ${code === 0 ? 'ok' : 'FAILED'}\n${output}`);
          resolve({ name, code, output });
        });
      }),
  ),
);
const failed = results.filter((result) => result.code !== 0).map((result) => result.name);
if (failed.length > 0) {
  process.stderr.write(`failed: ${failed.join(', ')}\n`);
  process.exit(1);
}
