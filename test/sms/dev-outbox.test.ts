/** The development outbox: one JSON line per SMS, in a file kept open, and found again when removed. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDevOutboxProvider, type DevOutboxLine } from '../../src/sms/providers/dev-outbox/index.js';
import type { OutgoingSms } from '../../src/sms/provider.js';

const dir = mkdtempSync(join(tmpdir(), 'otpgate-dev-outbox-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sms = (id: string, text: string) => ({ id, to: '+971501234567', text }) as OutgoingSms;
const linesOf = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as DevOutboxLine);

describe('the development outbox', () => {
  it('writes whole lines for concurrent sends, in a directory it creates', async () => {
    const file = join(dir, 'a', 'sms-outbox.jsonl');
    const outbox = createDevOutboxProvider({ file, echo: null });
    const texts = Array.from(
      { length: 50 },
      (_, i) => `Your code is ${String(100000 + i)}. ${'x'.repeat(i * 40)}`,
    );
    await Promise.all(texts.map((text, i) => outbox.send(sms(`m${i}`, text))));
    await outbox.close();

    expect(
      linesOf(file)
        .map((line) => line.text)
        .sort(),
    ).toEqual([...texts].sort());
  });

  it('starts a new file when the old one was removed while it ran', async () => {
    const file = join(dir, 'sms-outbox.jsonl');
    const outbox = createDevOutboxProvider({ file, echo: null });
    await outbox.send(sms('first', 'Your code is 111111'));
    rmSync(file);
    await outbox.send(sms('second', 'Your code is 222222'));
    await outbox.close();

    expect(linesOf(file).map((line) => line.id)).toEqual(['second']);
  });
});
