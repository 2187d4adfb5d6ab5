/**
 * A real Kannel (Debian's `kannel` and `kannel-extras`): bearerbox with a fake SMSC, fakesmsc as the far end
 * and smsbox's sendsms HTTP interface, on free loopback ports. Kannel reports delivery (8: delivered to the
 * SMSC, then 1: delivered to the phone) by calling the dlr-url it was handed with the message.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

const BEARERBOX = '/usr/sbin/bearerbox';
const SMSBOX = '/usr/sbin/smsbox';
const FAKESMSC = '/usr/lib/kannel/test/fakesmsc';

export const KANNEL_SKIP =
  existsSync(BEARERBOX) && existsSync(SMSBOX) && existsSync(FAKESMSC)
    ? false
    : 'Kannel tests skipped: bearerbox, smsbox or fakesmsc is missing (apt-get install kannel kannel-extras; .ci/run does)';

export interface Kannel {
  /** smsbox's sendsms interface: http://127.0.0.1:{port}/cgi-bin/sendsms */
  sendsmsUrl: string;
  username: string;
  password: string;
  /** The messages fakesmsc received, as it printed them ("from to text ..."). */
  received(): string[];
  close(): Promise<void>;
}

/** Polls until check() holds or the deadline passes (Kannel has no readiness signal but its ports). */
async function until(check: () => Promise<boolean>, what: string, children: ChildProcess[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const dead = children.find((child) => child.exitCode !== null);
    if (dead !== undefined) throw new Error(`kannel: ${what}: a box exited (${dead.exitCode})`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`kannel: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function startKannel(): Promise<Kannel> {
  const dir = mkdtempSync(join(tmpdir(), 'otpgate-kannel-'));
  mkdirSync(join(dir, 'spool'));
  const [admin, boxes, smsc, sendsms] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const username = 'otpgate';
  const password = 'kannel-secret';
  const adminPassword = 'kannel-admin';
  writeFileSync(
    join(dir, 'kannel.conf'),
    `group = core
admin-port = ${admin}
admin-password = ${adminPassword}
admin-allow-ip = 127.0.0.1
smsbox-port = ${boxes}
log-level = 1
log-file = "${join(dir, 'bearerbox.log')}"
dlr-storage = internal
store-type = spool
store-location = "${join(dir, 'spool')}"

group = smsc
smsc = fake
smsc-id = fake
host = 127.0.0.1
port = ${smsc}
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
sendsms-port = ${sendsms}
log-file = "${join(dir, 'smsbox.log')}"
log-level = 1

group = sendsms-user
username = ${username}
password = ${password}
`,
  );
  const children: ChildProcess[] = [];
  const run = (command: string, args: string[]) => {
    const child = spawn(command, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    return child;
  };
  const status = async () => {
    const reply = await fetch(`http://127.0.0.1:${admin}/status.txt?password=${adminPassword}`);
    return reply.ok ? await reply.text() : '';
  };
  const received: string[] = [];
  try {
    run(BEARERBOX, ['-v', '1', 'kannel.conf']);
    await until(async () => (await status()).includes('fake'), 'bearerbox', children);
    // -m 0: send nothing of its own, only print what the SMSC side hands it.
    const fake = run(FAKESMSC, ['-H', '127.0.0.1', '-r', String(smsc), '-i', '0', '-m', '0', 'unused']);
    let pending = '';
    fake.stderr?.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const match = /Got message \d+: <(.*)>/.exec(line);
        if (match?.[1] !== undefined) received.push(match[1]);
      }
    });
    await until(async () => /fake.*online/.test(await status()), 'the fake SMSC link', children);
    run(SMSBOX, ['-v', '1', 'kannel.conf']);
    await until(
      async () => (await fetch(`http://127.0.0.1:${sendsms}/cgi-bin/sendsms`)).status > 0,
      'smsbox',
      children,
    );
  } catch (error) {
    for (const child of children) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    sendsmsUrl: `http://127.0.0.1:${sendsms}/cgi-bin/sendsms`,
    username,
    password,
    received: () => [...received],
    async close() {
      await Promise.all(
        children.reverse().map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.kill('SIGKILL');
            }),
        ),
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
