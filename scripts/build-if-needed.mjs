// `npm start`'s first step: compiles the service only when dist/ is missing or older than a source file, so a
// restart takes no compile; then the start script execs node on dist/server.js, the process signals reach.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const built = join(root, 'dist', 'server.js');

function newestIn(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((entry) => newestIn(join(path, entry))));
}

const sources = ['src', 'package.json', 'tsconfig.json', 'tsconfig.build.json'].map((path) =>
  join(root, path),
);
const stale =
  !existsSync(built) || Math.max(...sources.filter(existsSync).map(newestIn)) > statSync(built).mtimeMs;
if (stale) {
  process.stderr.write('otpgate: compiling (npm run build)\n');
  execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '-s', 'build'], {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
}
