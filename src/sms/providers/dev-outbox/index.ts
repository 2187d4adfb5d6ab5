/**
 * Development provider: each SMS becomes one JSON line in $DATA_DIR/sms-outbox.jsonl, so a newcomer
 * sees the code without an SMS account. The structured log records only that a message was written;
 * the text is echoed to the developer's console, which production never reaches (it refuses to
 * start without a real provider).
 */
import { appendFile, mkdir } from 'node:fs/promises';
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
  let ready: Promise<unknown> | undefined;
  return {
    name: 'dev-outbox',
    kind: 'dev-outbox',
    async send(message: OutgoingSms) {
      ready ??= mkdir(dirname(config.file), { recursive: true });
      await ready;
      const line: DevOutboxLine = {
        id: message.id,
        to: message.to,
        text: message.text,
        createdAt: new Date().toISOString(),
      };
      await appendFile(config.file, JSON.stringify(line) + '\n', 'utf8');
      config.echo?.write(`[dev sms] to ${message.to}: ${message.text.replace(/\n/g, ' / ')}\n`);
      return { providerRef: message.id, parts: countParts(message.text).parts };
    },
    async close() {},
  };
}
