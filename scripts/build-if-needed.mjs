// `npm start`'s first step (and `npm test`'s): compiles the service and the console only when their output is
// missing or older than a source file, so a restart (or the tests after `npm ci`, whose `prepare` built) takes
// no compile; then the start script execs node on dist/server.js, the process signals reach.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const outputs = [join(root, 'dist', 'server.js'), join(root, 'console', 'dist', 'index.html')];

function newestIn(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((entry) => newestIn(join(path, entry))));
}

const sources = [
  'src',
  'package.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'tsconfig.client.json',
  'scripts/build.mjs',
  'console/src',
  'console/index.html',
  'console/vite.config.ts',
  'console/tsconfig.json',
].map((path) => join(root, path));
const stale =
  !outputs.every(existsSync) ||
  Math.max(...sources.filter(existsSync).map(newestIn)) >
    Math.min(...outputs.map((path) => statSync(path).mtimeMs));
if (stale) {
  process.stderr.write('otpgate: compiling (npm run build)\n');
  execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '-s', 'build'], {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
}
