import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_SECRET, runCli } from '../support/cli.js';

describe('the otpgate CLI, before any database', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'otpgate-cli-usage-'));
  const env = { DATA_DIR: dataDir, CODE_SECRET: CLI_SECRET };
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('lists every command with help, and shows a command’s usage and options with --help', async () => {
    const [overview, command] = await Promise.all([
      runCli(['help'], env),
      runCli(['clients', 'create', '--help'], env),
    ]);
    expect(overview.status).toBe(0);
    for (const name of [
      'clients create',
      'clients list',
      'clients disable',
      'clients enable',
      'migrate',
      'outbox stats',
    ]) {
      expect(overview.stdout).toContain(name);
    }
    expect(command.status).toBe(0);
    expect(command.stdout).toContain(
      'Usage: otpgate clients create <code> [--name <name>] [--tenant <tenant>] [--rotate]',
    );
    expect(command.stdout).toContain('--rotate');
  });

  it('exits 2 with a message and the usage for an unknown command, an unknown option or a missing argument', async () => {
    const [command, option, argument] = await Promise.all([
      runCli(['frobnicate'], env),
      runCli(['clients', 'list', '--colour'], env),
      runCli(['clients', 'disable'], env),
    ]);
    expect(command).toMatchObject({ status: 2, stdout: '' });
    expect(command.stderr).toContain('unknown command "frobnicate"');
    expect(option.status).toBe(2);
    expect(option.stderr).toContain("unknown option '--colour'");
    expect(option.stderr).toContain('Usage: otpgate clients list [--json]');
    expect(argument.status).toBe(2);
    expect(argument.stderr).toContain('missing <code>');
  });

  it('exits 1 saying which database it cannot reach, with a stack trace only when --verbose', async () => {
    // Port 1 on the loopback: refused at once, nothing listens there.
    const unreachable = { ...env, DATABASE_URL: 'postgres://otpgate:s3cret-password@127.0.0.1:1/otpgate' };
    const [plain, verbose] = await Promise.all([
      runCli(['clients', 'list'], unreachable),
      runCli(['clients', 'list', '--verbose'], unreachable),
    ]);
    expect(plain.status).toBe(1);
    expect(plain.stderr).toContain('Cannot reach PostgreSQL at 127.0.0.1:1/otpgate');
    expect(plain.stderr).toContain('ECONNREFUSED');
    expect(plain.stderr).not.toMatch(/^\s+at /m);
    expect(plain.stderr + verbose.stderr).not.toContain('s3cret-password');
    expect(verbose.status).toBe(1);
    expect(verbose.stderr).toMatch(/^\s+at /m);
  });

  it('runs from bin/otpgate.js, the compiled CLI', async () => {
    const run = await runCli(['help'], env, ['bin/otpgate.js']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Usage: otpgate <command> [options]');
  });
});
