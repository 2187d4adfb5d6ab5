/** Fills the outbox the way the domain does (sealed text, parts counted), for dispatch tests and benchmarks. */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { SecretBox } from '../../src/domain/secret-box.js';
import type { MessageKind } from '../../src/domain/types.js';
import { countParts } from '../../src/sms/encoding.js';
import type { Database } from '../../src/store/database.js';
import { createStore } from '../../src/store/index.js';

export interface OutboxText {
  to: string;
  text: string;
  kind?: MessageKind;
  /** Never sent after this; null for a notice that keeps. */
  expiresAt: Date | null;
}

/** Queues the messages in one transaction and returns their ids, in order. */
export async function enqueueTexts(
  db: Kysely<Database>,
  box: SecretBox,
  messages: readonly OutboxText[],
  now: Date,
): Promise<string[]> {
  return db.transaction().execute(async (trx) => {
    const store = createStore(trx);
    const ids: string[] = [];
    for (const message of messages) {
      const id = randomUUID();
      const { encoding, parts } = countParts(message.text);
      await store.messages.enqueue({
        id,
        tenant: 'test',
        kind: message.kind ?? 'otp',
        to: message.to,
        bodySealed: box.seal(message.text),
        preview: message.text,
        encoding,
        parts,
        expiresAt: message.expiresAt,
        verificationId: null,
        clientId: null,
        now,
      });
      ids.push(id);
    }
    return ids;
  });
}
