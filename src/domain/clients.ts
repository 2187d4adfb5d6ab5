/**
 * API clients (applications). A client's key is a high-entropy bearer secret: stored as a SHA-256
 * hash for look-up, and sealed under the server secret for the legacy faces that sign with it.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { DomainError } from './errors.js';
import type { Clock, NewClient, Store } from './ports.js';
import type { SecretBox } from './secret-box.js';
import { holdsTheDatabaseSecret, type SecretCheckStore } from './secret-check.js';
import type { ApiClient } from './types.js';

export function hashClientKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** How long a key's look-up is remembered: a revoked key stops working within this time. */
export const CLIENT_CACHE_MS = 30_000;
const CACHE_MAX = 10_000;

export function createClients(deps: { store: Store; box: SecretBox; clock: Clock }) {
  const cache = new Map<string, { client: ApiClient | undefined; until: number }>();
  /** Signing keys by client code, unsealed once per cache period rather than on every signed request. */
  const signingKeys = new Map<
    string,
    { value: { client: ApiClient; key: string } | undefined; until: number }
  >();

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
      cache.set(keyHash, { client, until: now + CLIENT_CACHE_MS });
      return client;
    },

    /** Forgets every remembered look-up: a key rotated or a client disabled on this node stops working at once. */
    forget(): void {
      cache.clear();
      signingKeys.clear();
    },

    /** Creates the client, or gives an existing one this key and tenant (BOOTSTRAP_CLIENT). */
    async upsert(code: string, key: string, tenant = code, name = code): Promise<ApiClient> {
      cache.clear();
      signingKeys.clear();
      return deps.store.clients.upsert({
        id: randomUUID(),
        code,
        name,
        tenant,
        keyHash: hashClientKey(key),
        keySealed: deps.box.seal(key),
        now: deps.clock.now(),
      });
    },

    /** The key itself, for faces whose signatures are keyed with it (CBSS). */
    async signingKey(code: string): Promise<{ client: ApiClient; key: string } | undefined> {
      const now = deps.clock.now().getTime();
      const cached = signingKeys.get(code);
      if (cached !== undefined && cached.until > now) return cached.value;
      const found = await deps.store.clients.findByCode(code);
      let value: { client: ApiClient; key: string } | undefined;
      if (found !== undefined && found.active && found.keySealed !== null) {
        const { keySealed, ...client } = found;
        value = { client, key: deps.box.open(keySealed) };
      }
      if (signingKeys.size >= CACHE_MAX) signingKeys.clear();
      signingKeys.set(code, { value, until: now + CLIENT_CACHE_MS });
      return value;
    },
  };
}

export type Clients = ReturnType<typeof createClients>;

/**
 * The client's Twilio Account SID: AC and its id's 32 hex digits. The Twilio Verify face takes it as the
 * Basic username (Twilio's SDK refuses a username that does not start with AC).
 */
export function accountSidOf(clientId: string): string {
  return `AC${clientId.replace(/-/g, '').toLowerCase()}`;
}

/** The client id an Account SID names, or undefined when it is not one. */
export function clientIdOfAccountSid(sid: string): string | undefined {
  const match = /^AC([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{12})$/i.exec(sid);
  return match === null ? undefined : match.slice(1).join('-').toLowerCase();
}

/** Client codes and tenant names: letters, digits, _ . - (they appear in logs and legacy signatures). */
export function isClientCode(code: string): boolean {
  return /^[A-Za-z0-9_.-]{1,64}$/.test(code);
}

/** 32 bytes from the CSPRNG (256 bits, beyond guessing), base64url so it goes in a header as it is. */
export function generateClientKey(): string {
  return randomBytes(32).toString('base64url');
}

/** What an operator sees of a client: never its key, hash or sealed key. */
export interface ClientListing extends ApiClient {
  createdAt: Date;
  updatedAt: Date;
}

/**
 * The operator's side of client storage (the CLI). The server never lists or disables clients, so this
 * stays out of Store. insert returns undefined when the code is taken; the others when no client has it.
 */
export interface ClientRegistryStore extends SecretCheckStore {
  insert(client: NewClient): Promise<ApiClient | undefined>;
  replaceKey(
    code: string,
    key: { keyHash: string; keySealed: string },
    now: Date,
  ): Promise<ApiClient | undefined>;
  setActive(code: string, active: boolean, now: Date): Promise<ApiClient | undefined>;
  setCountries(code: string, countries: readonly string[] | null, now: Date): Promise<ApiClient | undefined>;
  list(): Promise<ClientListing[]>;
}

/**
 * Creating, re-keying, listing and switching clients off and on. Runs in the operator's process, not the
 * server's: a running server notices a disabled or re-keyed client within CLIENT_CACHE_MS.
 */
export function createClientRegistry(deps: { store: ClientRegistryStore; box: SecretBox; clock: Clock }) {
  const sealedKey = (key: string) => ({ keyHash: hashClientKey(key), keySealed: deps.box.seal(key) });

  return {
    /** A new client with a new key; the key is returned once and kept only as a hash and sealed. */
    async create(
      code: string,
      name = code,
      tenant = code,
      smsCountries: readonly string[] | null = null,
    ): Promise<{ client: ApiClient; key: string }> {
      const problem = 'letters, digits, _ . - only, at most 64';
      if (!isClientCode(code)) {
        throw new DomainError('invalid_request', { details: [{ field: '/code', problem }] });
      }
      if (!isClientCode(tenant)) {
        throw new DomainError('invalid_request', { details: [{ field: '/tenant', problem }] });
      }
      const key = generateClientKey();
      const client = await deps.store.insert({
        id: randomUUID(),
        code,
        name,
        tenant,
        ...sealedKey(key),
        smsCountries,
        now: deps.clock.now(),
      });
      if (client === undefined) throw new DomainError('client_exists');
      return { client, key };
    },

    /** A new key for an existing client: the old one stops working. Its active flag is left as it is. */
    async rotate(code: string): Promise<{ client: ApiClient; key: string }> {
      const key = generateClientKey();
      const client = await deps.store.replaceKey(code, sealedKey(key), deps.clock.now());
      if (client === undefined) throw new DomainError('client_not_found');
      return { client, key };
    },

    async setActive(code: string, active: boolean): Promise<ApiClient> {
      const client = await deps.store.setActive(code, active, deps.clock.now());
      if (client === undefined) throw new DomainError('client_not_found');
      return client;
    },

    /** The countries the client may text; null: SMS_COUNTRIES. */
    async setCountries(code: string, countries: readonly string[] | null): Promise<ApiClient> {
      const client = await deps.store.setCountries(code, countries, deps.clock.now());
      if (client === undefined) throw new DomainError('client_not_found');
      return client;
    },

    list(): Promise<ClientListing[]> {
      return deps.store.list();
    },

    /**
     * False when the database belongs to another server secret (the same check the server makes at start):
     * a key sealed here would then be unreadable to the server's signing faces (CBSS).
     */
    sealsLikeTheServer(): Promise<boolean> {
      return holdsTheDatabaseSecret(deps.store, deps.box);
    },
  };
}

export type ClientRegistry = ReturnType<typeof createClientRegistry>;
