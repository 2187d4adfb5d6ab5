/**
 * The container files stay true without a Docker daemon: the Dockerfile and compose.yaml pass their linters
 * (dockerfile-utils; dclint, which checks the compose-spec schema), and the Dockerfile's own steps build and
 * start the service here, in a temporary directory laid out as the image's stages would be.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DockerfileParser, type Copy, type Env, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const DOCKERFILE = readFileSync(join(REPO, 'Dockerfile'), 'utf8');
const run = promisify(execFile);

/** The Dockerfile as stages: a name and its instructions, in order. */
function stagesOf(text: string): { name: string; instructions: Instruction[] }[] {
  const stages: { name: string; instructions: Instruction[] }[] = [];
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const name = (instruction as unknown as { getBuildStage(): string | null }).getBuildStage();
      stages.push({ name: name ?? `stage-${stages.length}`, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

const argumentsOf = (instruction: Instruction) => instruction.getArguments().map((arg) => arg.getValue());
/** An exec-form argument list: `["node", "dist/server.js"]`. */
const execForm = (text: string) => JSON.parse(text) as string[];

/** The build context the .dockerignore lets through: it excludes everything, then lets some names back in. */
function contextAllowList(): Set<string> {
  const lines = readFileSync(join(REPO, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  expect(lines[0]).toBe('*');
  return new Set(lines.slice(1).map((line) => line.replace(/^!/, '')));
}

/** Hard links, not copies, for trees already on this disk: a stage copy of node_modules costs nothing. */
async function linkTree(from: string, to: string): Promise<void> {
  mkdirSync(dirname(to), { recursive: true });
  await run('cp', ['-al', from, to]);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Resolves once the service answers `path` (tried at each line it logs), rejects if it exits first. */
function answered(child: ChildProcess, url: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    const output: string[] = [];
    const onExit = (code: number | null) => reject(new Error(`exited with ${code}:\n${output.join('')}`));
    child.once('exit', onExit);
    const onLine = (chunk: Buffer) => {
      output.push(chunk.toString('utf8'));
      fetch(url).then(
        (reply) => {
          child.stdout?.off('data', onLine);
          child.off('exit', onExit);
          resolve(reply);
        },
        () => undefined,
      );
    };
    child.stdout?.on('data', onLine);
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  });
}

describe('the Dockerfile', () => {
  const stages = stagesOf(DOCKERFILE);
  const build = stages[0];
  const image = stages.at(-1);

  it('passes dockerfile-utils’ checks', () => {
    expect(validate(DOCKERFILE)).toEqual([]);
  });

  it('builds in one stage and runs from a second as a non-root user, under tini, checked on /readyz', () => {
    expect(stages.map((stage) => stage.name)).toEqual(['build', 'stage-1']);
    const last = (keyword: string) =>
      image?.instructions.filter((instruction) => instruction.getKeyword() === keyword).at(-1);
    expect(argumentsOf(last('USER')!)).toEqual(['node']);
    expect(execForm(last('ENTRYPOINT')!.getArgumentsContent()!)).toEqual(['/usr/bin/tini', '--']);
    expect(execForm(last('CMD')!.getArgumentsContent()!)).toEqual([
      'node',
      '--max-semi-space-size=8',
      '--max-old-space-size=1024',
      'dist/server.js',
    ]);
    expect(last('HEALTHCHECK')!.getArgumentsContent()).toContain('/readyz');
    const buildSteps = build?.instructions
      .filter((instruction) => instruction.getKeyword() === 'RUN')
      .map((instruction) => argumentsOf(instruction).slice(0, 2).join(' '));
    expect(buildSteps).toEqual(['npm ci', 'npm run', 'npm prune']);
  });

  describe('its steps, run here', () => {
    const root = mkdtempSync(join(tmpdir(), 'otpgate-image-'));
    /** Where a path of a stage's file system lies in the temporary directory. */
    const onDisk = (stage: string, path: string) => join(root, stage, path);
    const imageEnv: Record<string, string> = {};
    let server: ChildProcess | undefined;

    /** Each stage's WORKDIR, COPY and ENV as Docker would apply them; RUN as said at each. */
    async function runStage(stage: { name: string; instructions: Instruction[] }) {
      const allowed = contextAllowList();
      let workdir = '/';
      for (const instruction of stage.instructions) {
        const keyword = instruction.getKeyword();
        if (keyword === 'WORKDIR') workdir = posix.resolve(workdir, argumentsOf(instruction)[0]!);
        if (keyword === 'ENV') {
          for (const property of (instruction as Env).getProperties()) {
            imageEnv[property.getName()] = property.getValue() ?? '';
          }
        }
        if (keyword === 'COPY') {
          const args = argumentsOf(instruction);
          const target = posix.resolve(workdir, args.at(-1)!);
          const from = (instruction as Copy).getFromFlag()?.getValue();
          for (const source of args.slice(0, -1)) {
            const into = args.at(-1)!.endsWith('/') ? posix.join(target, basename(source)) : target;
            if (from !== undefined && from !== null) {
              await linkTree(onDisk(from, source), onDisk(stage.name, into));
            } else {
              expect(allowed, `${source} is left out of the build context`).toContain(source);
              cpSync(join(REPO, source), onDisk(stage.name, into), { recursive: true });
            }
          }
        }
        if (keyword === 'RUN') {
          const command = instruction.getArgumentsContent() ?? '';
          const cwd = onDisk(stage.name, workdir);
          if (stage !== build) {
            // The image's OS layer (tini, the /data directory) needs its root file system: not run here.
            expect(command).toMatch(/^apt-get update/);
          } else if (command.startsWith('npm ci ')) {
            // `npm ci` on this lock is .ci/run's first step; here the tree it installed stands in (hard
            // links), but for npm's own record, which `npm prune` rewrites in place.
            expect(readFileSync(join(cwd, 'package-lock.json'), 'utf8')).toBe(
              readFileSync(join(REPO, 'package-lock.json'), 'utf8'),
            );
            await linkTree(join(REPO, 'node_modules'), join(cwd, 'node_modules'));
            const record = join(cwd, 'node_modules', '.package-lock.json');
            rmSync(record, { force: true });
            cpSync(join(REPO, 'node_modules', '.package-lock.json'), record);
          } else {
            await run('sh', ['-c', command], { cwd, timeout: 240_000, killSignal: 'SIGKILL' });
          }
        }
      }
      return workdir;
    }

    beforeAll(async () => {
      for (const stage of stages.slice(0, -1)) await runStage(stage);
    }, 300_000);
    afterAll(() => {
      server?.kill('SIGKILL');
      rmSync(root, { recursive: true, force: true });
    });

    it('build the service, keep no development package, and start it in production', async () => {
      const workdir = await runStage(image!);
      const app = onDisk(image!.name, workdir);
      for (const devOnly of ['typescript', 'vitest', 'tsx', '@redocly/cli']) {
        expect(existsSync(join(app, 'node_modules', devOnly)), devOnly).toBe(false);
      }
      expect(existsSync(join(app, 'dist', 'server.js'))).toBe(true);
      expect(imageEnv.NODE_ENV).toBe('production');

      const port = await freePort();
      const env = {
        PATH: process.env.PATH ?? '',
        ...imageEnv,
        DATA_DIR: join(root, 'data'),
        PORT: String(port),
        HOST: '127.0.0.1',
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        CODE_SECRET: randomBytes(32).toString('base64url'),
        ADMIN_KEY: randomBytes(24).toString('base64url'),
        // A provider that needs nothing at start; nothing is sent here.
        SMS_PROVIDERS:
          'twilio://AC0123456789abcdef0123456789abcdef:token@?from=%2B15550001111&base=http%3A%2F%2F127.0.0.1%3A9',
      };
      const cmd = image!.instructions.filter((instruction) => instruction.getKeyword() === 'CMD').at(-1)!;
      const [command, ...args] = execForm(cmd.getArgumentsContent()!);
      server = spawn(command!, args, { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
      const health = await answered(server, `http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);

      // The HEALTHCHECK command says what the probe it names answers.
      const healthcheck = image!.instructions.find(
        (instruction) => instruction.getKeyword() === 'HEALTHCHECK',
      )!;
      const [probe, ...probeArgs] = execForm(healthcheck.getArgumentsContent()!.replace(/^CMD\s+/, ''));
      const probed = await fetch(`http://127.0.0.1:${port}/readyz`);
      const checked = await run(probe!, probeArgs, { cwd: app, env }).then(
        () => 0,
        (error: { code?: number }) => error.code,
      );
      expect(checked).toBe(probed.ok ? 0 : 1);

      // The console, built in the first stage, is served from the image.
      const admin = await fetch(`http://127.0.0.1:${port}/admin`);
      expect(admin.status).toBe(200);
      expect(await admin.text()).toContain('<div id="root">');

      // The operator CLI runs from the image as well.
      const cli = await run('node', ['bin/otpgate.js', 'help'], { cwd: app, env });
      expect(cli.stdout).toContain('clients create');

      const exited = new Promise((resolve) => server!.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }, 120_000);
  });
});

describe('compose.yaml', () => {
  it('passes dclint: the compose-spec schema and its rules', async () => {
    const report = await run(join(REPO, 'node_modules/.bin/dclint'), ['compose.yaml', '-f', 'json'], {
      cwd: REPO,
      timeout: 60_000,
    }).then(
      ({ stdout }) => stdout,
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    const findings = (JSON.parse(report) as { messages: unknown[] }[]).flatMap((file) => file.messages);
    expect(findings).toEqual([]);
  });

  it('puts two otpgate nodes on PostgreSQL and Redis behind the proxy in deploy/', () => {
    const compose = readFileSync(join(REPO, 'compose.yaml'), 'utf8');
    for (const service of ['postgres', 'redis', 'otpgate-1', 'otpgate-2', 'proxy']) {
      expect(compose).toMatch(new RegExp(`^  ${service}:`, 'm'));
    }
    const caddyfile = readFileSync(join(REPO, 'deploy/Caddyfile'), 'utf8');
    expect(caddyfile).toContain('reverse_proxy otpgate-1:8080 otpgate-2:8080');
    expect(caddyfile).toContain('health_uri /readyz');
  });
});
