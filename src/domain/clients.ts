/**
 * API clients (applications). A client's key is a high-entropy bearer secret: stored as a SHA-256
 * hash for look-up, and sealed under the server secret for the legacy faces that sign with it.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Clock, Store } from './ports.js';
import type { SecretBox } from './secret-box.js';
import type { ApiClient } from './types.js';

export function hashClientKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** How long a key's look-up is remembered: a revoked key stops working within this time. */
const CACHE_MS = 30_000;
const CACHE_MAX = 10_000;

export function createClients(deps: { store: Store; box: SecretBox; clock: Clock }) {
  const cache = new Map<string, { client: ApiClient | undefined; until: number }>();

  return {
    /** The active client holding this key, or undefined. */
    async authenticate(key: string): Promise<ApiClient | undefined> {
      const keyHash = hashClientKey(key);
      const now = deps.clock.now().getTime();
      const cached = cache.get(keyHash);
      if (cached !== undefined && cached.until > now) return cached.client;
      const found = await deps.store.clients.findByKeyHash(keyHash);
      const client = found?.active ? found : undefined;
      if (cache.size >= CACHE_MAX) cache.clear();
      cache.set(keyHash, { client, until: now + CACHE_MS });
      return client;
    },

    /** Creates the client, or gives an existing one this key (BOOTSTRAP_CLIENT, the CLI). */
    async upsert(code: string, key: string, name = code): Promise<ApiClient> {
      cache.clear();
      return deps.store.clients.upsert({
        id: randomUUID(),
        code,
        name,
        keyHash: hashClientKey(key),
        keySealed: deps.box.seal(key),
        now: deps.clock.now(),
      });
    },

    /** The key itself, for faces whose signatures are keyed with it (CBSS). */
    async signingKey(code: string): Promise<{ client: ApiClient; key: string } | undefined> {
      const found = await deps.store.clients.findByCode(code);
      if (found === undefined || !found.active || found.keySealed === null) return undefined;
      const { keySealed, ...client } = found;
      return { client, key: deps.box.open(keySealed) };
    },
  };
}

export type Clients = ReturnType<typeof createClients>;
