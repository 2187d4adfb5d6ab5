/**
 * Development provider: each SMS becomes one JSON line in $DATA_DIR/sms-outbox.jsonl, so a newcomer
 * sees the code without an SMS account. The structured log records only that a message was written;
 * the text is echoed to the developer's console, which production never reaches (it refuses to
 * start without a real provider).
 */
import { fstatSync } from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { countParts } from '../../encoding.js';
import type { OutgoingSms, SmsProvider } from '../../provider.js';

export interface DevOutboxConfig {
  file: string;
  /** Where the human-readable copy goes; null for none. */
  echo: NodeJS.WritableStream | null;
}

export interface DevOutboxLine {
  id: string;
  to: string;
  text: string;
  createdAt: string;
}

export function createDevOutboxProvider(config: DevOutboxConfig): SmsProvider {
  /**
   * The file, opened once for appending (an open and a close per SMS were a twentieth of a start's CPU), and
   * opened again when someone removed it to start afresh (its link count then reads 0: one cheap fstat).
   */
  let file: Promise<FileHandle> | undefined;
  const opening = () => mkdir(dirname(config.file), { recursive: true }).then(() => open(config.file, 'a'));
  async function outbox(): Promise<FileHandle> {
    const handle = await (file ??= opening());
    if (fstatSync(handle.fd).nlink > 0) return handle;
    file = undefined;
    void handle.close().catch(() => undefined);
    return (file ??= opening());
  }
  return {
    name: 'dev-outbox',
    kind: 'dev-outbox',
    async send(message: OutgoingSms) {
      const handle = await outbox().catch((error: unknown) => {
        file = undefined;
        throw error;
      });
      const line: DevOutboxLine = {
        id: message.id,
        to: message.to,
        text: message.text,
        createdAt: new Date().toISOString(),
      };
      // One write of one line to a file opened for appending: lines of concurrent sends never interleave.
      await handle.write(JSON.stringify(line) + '\n', null, 'utf8');
      config.echo?.write(`[dev sms] to ${message.to}: ${message.text.replace(/\n/g, ' / ')}\n`);
      return { providerRef: message.id, parts: countParts(message.text).parts };
    },
    async close() {
      const handle = file;
      file = undefined;
      await (await handle?.catch(() => undefined))?.close();
    },
  };
}
