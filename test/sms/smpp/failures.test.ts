import { afterEach, describe, expect, it } from 'vitest';
import { createSmppProvider, parseSmppUrl } from '../../../src/sms/providers/smpp/index.js';
import { selfSignedCertificate } from '../../support/smpp-server.js';
import { closeAll, otp, providerFor, QUICK, smsc, smsErrorOf } from './helpers.js';

afterEach(closeAll);

const ESME_RINVDSTADR = 0x0b;
const ESME_RINVBNDSTS = 0x04;
const certificate = selfSignedCertificate();
if (!certificate) console.warn('openssl is not on PATH: the smpps:// (TLS) test is skipped');

describe('SMPP provider errors', () => {
  it('reports an invalid destination as rejected, without retrying it', async () => {
    const server = await smsc({
      submitStatus: (part) => (part.destination === '999' ? ESME_RINVDSTADR : undefined),
    });
    const provider = providerFor(server);

    const error = await smsErrorOf(provider.send(otp('hello', '+999')));

    expect(error).toMatchObject({ code: 'rejected', providerCode: 'ESME_RINVDSTADR', transient: false });
    expect(server.stats.refused).toBe(1);
  });

  it('retries a throttled part in place and then succeeds', async () => {
    const server = await smsc({ throttleFirst: 1 });
    const provider = providerFor(server);

    const result = await provider.send(otp('hello'));

    expect(server.stats.throttled).toBe(1);
    expect(server.submits.map((part) => part.messageId)).toEqual([result.providerRef]);
  });

  it('reports rate_limited with ESME_RTHROTTLED when the SMSC keeps throttling', async () => {
    const server = await smsc({ throttleFirst: 100 });
    const provider = providerFor(server, { throttle_retries: 2 });

    const error = await smsErrorOf(provider.send(otp('hello')));

    expect(error).toMatchObject({ code: 'rate_limited', providerCode: 'ESME_RTHROTTLED', transient: true });
    expect(server.stats.throttled).toBe(3);
  });

  it('reports a bad password as invalid_config as soon as the bind is refused', async () => {
    const server = await smsc();
    const provider = providerFor(server, { bind_wait_ms: 60_000 }, { password: 'wrong' });

    const error = await smsErrorOf(provider.send(otp('hello')));

    expect(error).toMatchObject({ code: 'invalid_config', providerCode: 'ESME_RINVPASWD' });
    expect(server.submits).toHaveLength(0);
  });

  it('reports an unknown system_id as invalid_config', async () => {
    const server = await smsc();
    const provider = providerFor(server, {}, { systemId: 'nobody' });

    const error = await smsErrorOf(provider.send(otp('hello')));

    expect(error).toMatchObject({ code: 'invalid_config', providerCode: 'ESME_RINVSYSID' });
  });

  it('fails unavailable when it cannot bind within the wait', async () => {
    const server = await smsc({ failBind: true });
    const provider = providerFor(server, { bind_wait_ms: 300 });

    const error = await smsErrorOf(provider.send(otp('hello')));

    expect(error).toMatchObject({ code: 'unavailable', providerCode: 'ESME_RBINDFAIL' });
    expect(server.binds.length).toBeGreaterThanOrEqual(1);
  });

  it('fails unavailable when nothing listens at the SMSC address', async () => {
    const server = await smsc();
    const url = server.url({ ...QUICK, bind_wait_ms: 300 });
    await server.close();
    const provider = createSmppProvider(parseSmppUrl(url));

    const error = await smsErrorOf(provider.send(otp('hello')));
    await provider.close();

    expect(error).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/ECONNREFUSED/) });
  });

  it('fails unconfirmed when the SMSC does not answer a submit it was sent', async () => {
    const server = await smsc({ answerSubmits: false });
    const provider = providerFor(server, { submit_timeout_ms: 200 });

    const error = await smsErrorOf(provider.send(otp('hello')));

    expect(error.code).toBe('unconfirmed');
    expect(error.message).toMatch(/no response in 200 ms/);
  });

  it('fails unconfirmed at once when the link drops with a part in flight', async () => {
    const server = await smsc({ answerSubmits: false });
    const provider = providerFor(server, { submit_timeout_ms: 60_000 });

    const sending = smsErrorOf(provider.send(otp('hello')));
    await server.waitFor(() => server.unanswered.length === 1, 'the submit_sm to arrive');
    server.dropConnections();

    expect(await sending).toMatchObject({ code: 'unconfirmed', message: expect.stringMatching(/dropped/) });
  });
});

describe('SMPP session', () => {
  it('waits for the first bind instead of failing a send made right after start', async () => {
    const server = await smsc();
    const provider = providerFor(server);

    await expect(provider.send(otp('first'))).resolves.toMatchObject({ parts: 1 });
    expect(server.stats.binds).toBe(1);
  });

  it('re-binds by itself after the connection drops, and a later send succeeds', async () => {
    const server = await smsc();
    const provider = providerFor(server);
    await provider.send(otp('before'));

    server.dropConnections();
    await server.waitFor(() => server.stats.binds === 2, 'a second bind');
    await provider.send(otp('after'));

    expect(server.messages.map((message) => message.text)).toEqual(['before', 'after']);
  });

  it('keeps retrying a refused bind with backoff and binds once the SMSC accepts again', async () => {
    const server = await smsc({ failBind: true });
    const provider = providerFor(server);
    await server.waitFor(() => server.binds.length >= 2, 'two refused binds');

    server.behaviour.failBind = false;

    await expect(provider.send(otp('finally'))).resolves.toMatchObject({ parts: 1 });
  });

  it('re-binds when the SMSC answers a submit with ESME_RINVBNDSTS (it no longer sees us bound)', async () => {
    const server = await smsc({ submitStatus: () => ESME_RINVBNDSTS });
    const provider = providerFor(server);

    const error = await smsErrorOf(provider.send(otp('hello')));
    server.behaviour.submitStatus = () => undefined;
    await server.waitFor(() => server.stats.binds === 2, 'a fresh bind');

    expect(error).toMatchObject({ code: 'unavailable', providerCode: 'ESME_RINVBNDSTS' });
    await expect(provider.send(otp('again'))).resolves.toMatchObject({ parts: 1 });
  });

  it('keeps the link alive with enquire_link', async () => {
    const server = await smsc();
    providerFor(server, { enquire_link_ms: 100 });

    await server.waitFor(() => server.stats.enquireLinks >= 2, 'two enquire_link');
  });

  it('unbinds gracefully on close', async () => {
    const server = await smsc();
    const provider = providerFor(server);
    await provider.send(otp('hello'));

    await provider.close();

    expect(server.stats.unbinds).toBe(1);
    await expect(provider.send(otp('too late'))).rejects.toMatchObject({ code: 'unavailable' });
  });

  it.skipIf(!certificate)(
    'sends over smpps:// (TLS) to a server with a self-signed certificate',
    async () => {
      const server = await smsc({ tls: certificate });
      const provider = providerFor(server);

      await provider.send(otp('over TLS'));

      expect(server.url()).toMatch(/^smpps:\/\/.*tls_insecure=1/);
      expect(server.messages.map((message) => message.text)).toEqual(['over TLS']);
    },
  );

  it.skipIf(!certificate)('refuses a self-signed certificate unless tls_insecure=1', async () => {
    const server = await smsc({ tls: certificate });
    const url = server.url({ ...QUICK, bind_wait_ms: 300 }).replace('tls_insecure=1', 'tls_insecure=0');
    const provider = createSmppProvider(parseSmppUrl(url));

    const error = await smsErrorOf(provider.send(otp('hello')));
    await provider.close();

    expect(error).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/certificate/) });
    expect(server.stats.binds).toBe(0);
  });
});
