import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import { createServices } from '../../src/domain/services.js';
import { FakeClock, fakeServices } from './fakes.js';

describe('verification services, on in-memory ports', () => {
  const setUp = () => {
    const clock = new FakeClock();
    const fake = fakeServices();
    return { clock, fake, services: createServices({ store: fake.store, clock }) };
  };
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) =>
        error instanceof DomainError
          ? { code: error.code, fields: error.details?.map((d) => d.field) }
          : error,
    );

  it('creates a service of the tenant, with the policy code length and no client codes unless asked', async () => {
    const { services } = setUp();
    const created = await services.create({ friendlyName: 'Souq' }, 'acme');
    expect(created).toMatchObject({
      tenant: 'acme',
      friendlyName: 'Souq',
      codeLength: null,
      customCodeEnabled: false,
    });
    expect(await services.get(created.id, 'acme')).toEqual(created);
  });

  it('refuses a name that is empty, too long or on two lines, and a code length outside 4 to 10', async () => {
    const { services } = setUp();
    for (const friendlyName of ['', ' ', 'x'.repeat(31), 'two\nlines']) {
      expect(await refusal(services.create({ friendlyName }, 'acme')), friendlyName).toEqual({
        code: 'invalid_request',
        fields: ['/friendlyName'],
      });
    }
    for (const codeLength of [3, 11, 6.5]) {
      expect(await refusal(services.create({ friendlyName: 'Souq', codeLength }, 'acme'))).toEqual({
        code: 'invalid_request',
        fields: ['/codeLength'],
      });
    }
  });

  it("answers another tenant's service like a missing one, on every operation", async () => {
    const { services } = setUp();
    const theirs = await services.create({ friendlyName: 'Theirs' }, 'other');
    const missing = { code: 'service_not_found', fields: undefined };
    expect(await refusal(services.get(theirs.id, 'acme'))).toEqual(missing);
    expect(await refusal(services.update(theirs.id, 'acme', { friendlyName: 'Mine' }))).toEqual(missing);
    expect(await refusal(services.remove(theirs.id, 'acme'))).toEqual(missing);
    expect((await services.list('acme', null, 50)).services).toEqual([]);
    expect((await services.get(theirs.id, 'other')).friendlyName).toBe('Theirs');
  });

  it('updates only what it is given, and stamps the time', async () => {
    const { clock, services } = setUp();
    const created = await services.create({ friendlyName: 'Souq', codeLength: 8 }, 'acme');
    clock.advance(60_000);
    const updated = await services.update(created.id, 'acme', { friendlyName: 'Souq Market' });
    expect(updated).toMatchObject({ friendlyName: 'Souq Market', codeLength: 8 });
    expect(updated.updatedAt.getTime() - created.updatedAt.getTime()).toBe(60_000);
  });

  it('pages in id order and says where the next page starts, only when one may follow', async () => {
    const { services } = setUp();
    for (const name of ['a', 'b', 'c']) await services.create({ friendlyName: name }, 'acme');
    const first = await services.list('acme', null, 2);
    expect(first.services).toHaveLength(2);
    expect(first.next).toBe(first.services[1]?.id);
    const second = await services.list('acme', first.next, 2);
    expect(second.services).toHaveLength(1);
    expect(second.next).toBeNull();
  });

  it('deletes a service, canceling its pending verifications and retiring their queued texts', async () => {
    const { fake, services } = setUp();
    const created = await services.create({ friendlyName: 'Souq' }, 'acme');
    fake.pendingByService.set(created.id, ['v1', 'v2']);
    await services.remove(created.id, 'acme');
    expect(fake.retired).toEqual(['v1', 'v2']);
    expect(await refusal(services.get(created.id, 'acme'))).toEqual({
      code: 'service_not_found',
      fields: undefined,
    });
  });
});
