/**
 * The typed client: `otpgate/client` (the package's export, from the build) verifies a number against a
 * running server, and the committed types are what the app's OpenAPI documents give today.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TYPE_FILES, apiTypes } from '../../scripts/api-types.js';
import { backends } from '../support/database.js';
import { CLIENT_KEY, startHarness, uniquePhone, type Harness } from '../support/harness.js';

describe('the typed client', () => {
  let h: Harness;
  let baseUrl: string;
  beforeAll(async () => {
    h = await startHarness(backends[0]!.backend, { ADMIN_KEY: 'typed-client-admin-key-0123456789' });
    await h.app.http.listen({ host: '127.0.0.1', port: 0 });
    baseUrl = `http://127.0.0.1:${(h.app.http.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => h?.close());

  it('has committed types that match the documents the app describes (npm run gen:api-types)', async () => {
    const now = await apiTypes(h.app.http);
    expect(readFileSync(API_TYPE_FILES.native, 'utf8'), 'src/client/native-api.ts is stale').toBe(now.native);
    expect(readFileSync(API_TYPE_FILES.admin, 'utf8'), 'console/src/api/admin-api.ts is stale').toBe(
      now.admin,
    );
  });

  it("keeps the console's API out of the clients' document", async () => {
    const document = (await h.app.http.inject({ url: '/openapi.json' })).json<{ paths: object }>();
    const paths = Object.keys(document.paths);
    expect(paths).toContain('/v1/verifications');
    expect(paths.filter((path) => path.startsWith('/admin'))).toEqual([]);
  });

  it('starts and checks a verification through otpgate/client, typed end to end', async () => {
    const { createOtpgateClient } = await import('otpgate/client');
    const otpgate = createOtpgateClient({ baseUrl, apiKey: CLIENT_KEY });
    const to = uniquePhone();
    const started = await otpgate.POST('/v1/verifications', { body: { to, purpose: 'login' } });
    expect(started.response.status).toBe(201);
    const id = started.data!.id;
    const checked = await otpgate.POST('/v1/verifications/{id}/check', {
      params: { path: { id } },
      body: { code: await h.lastCode(to) },
    });
    expect(checked.data?.valid).toBe(true);
    expect(checked.data?.verification.status).toBe('approved');

    const refused = await createOtpgateClient({
      baseUrl,
      apiKey: 'wrong-key-0123456789',
      language: 'ar',
    }).GET('/v1/verifications/{id}', { params: { path: { id } } });
    expect(refused.response.status).toBe(401);
    expect(refused.error?.error.code).toBe('unauthorized');
    expect(refused.error?.error.message).toBe('مطلوب مفتاح واجهة برمجية صالح.');
  });
});
