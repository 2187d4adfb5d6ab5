// `npm run build`: the service into dist/, the typed client's declarations, and the console into console/dist.
// The service is transpiled file by file with esbuild, not emitted by tsc: `npm test` type-checks (tsc
// --noEmit) and the sources are written for it (isolatedModules, verbatimModuleSyntax), so a build needs only
// the JavaScript, in a second instead of twenty (it runs at every fresh install, in the image and in the tests).
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const run = (command, args) =>
  execFileSync(command, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });

function sourcesIn(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourcesIn(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

rmSync(join(root, 'dist'), { recursive: true, force: true });
await build({
  entryPoints: sourcesIn(join(root, 'src')).map((path) => relative(root, path)),
  absWorkingDir: root,
  outdir: 'dist',
  outbase: 'src',
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  logLevel: 'warning',
});
cpSync(join(root, 'src/store/seed'), join(root, 'dist/store/seed'), { recursive: true });
cpSync(join(root, 'src/store/pglite-worker.mjs'), join(root, 'dist/store/pglite-worker.mjs'));
// `otpgate/client`'s types, for the programs that import it.
run(process.platform === 'win32' ? 'npx.cmd' : 'npx', ['tsc', '-p', 'tsconfig.client.json']);
run(process.platform === 'win32' ? 'npx.cmd' : 'npx', [
  'vite',
  'build',
  '--config',
  'console/vite.config.ts',
  '--logLevel',
  'warn',
]);
