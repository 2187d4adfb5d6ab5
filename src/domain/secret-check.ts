/**
 * Every node must share one CODE_SECRET: a node with another would re-seal the bootstrap client's key (the
 * others then cannot open it) and queue texts the others cannot send. The database keeps the check value of
 * the first secret it met; a node (or the CLI) whose secret gives another value is refused.
 */
import { timingSafeEqual } from 'node:crypto';
import type { SecretBox } from './secret-box.js';

export interface SecretCheckStore {
  /** Keeps `value` unless a value is kept already, and answers the kept one (first writer wins, race-free). */
  keepSecretCheck(value: string): Promise<string>;
  /** Any one sealed client key: databases from before the check value hold no other trace of their secret. */
  anySealedKey(): Promise<string | undefined>;
}

function opens(box: SecretBox, sealed: string): boolean {
  try {
    box.open(sealed);
    return true;
  } catch {
    return false;
  }
}

/** True when this box's secret is the database's; the first caller on a new database makes it so. */
export async function holdsTheDatabaseSecret(store: SecretCheckStore, box: SecretBox): Promise<boolean> {
  // Checked before anything is kept, so a wrong secret never becomes the database's on an upgrade.
  const sealed = await store.anySealedKey();
  if (sealed !== undefined && !opens(box, sealed)) return false;
  const ours = Buffer.from(box.checkValue());
  const kept = Buffer.from(await store.keepSecretCheck(box.checkValue()));
  return kept.length === ours.length && timingSafeEqual(kept, ours);
}
