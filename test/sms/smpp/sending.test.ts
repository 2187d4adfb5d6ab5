import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, otp, providerFor, smsc } from './helpers.js';

afterEach(closeAll);

const ARABIC_200 = 'رمز التحقق الخاص بك هو ١٢٣٤٥٦ ولا تشاركه مع أحد. '.repeat(5).slice(0, 200);

describe('SMPP provider sending', () => {
  it('binds as a transceiver and sends a GSM-7 text with data_coding 0, decoded right by the SMSC', async () => {
    const server = await smsc();
    const provider = providerFor(server);
    const text = 'Your otpgate code is 123456 [valid 5 min] €5 {ok} ~^|\\ GSM letters: ÄÖÜäöüßéÑ@£$¥';

    const result = await provider.send(otp(text));

    expect(provider.kind).toBe('smpp');
    expect(server.binds).toMatchObject([
      { command: 'bind_transceiver', systemId: 'otpgate', interfaceVersion: 0x34 },
    ]);
    expect(server.submits).toHaveLength(1);
    const [part] = server.submits;
    expect(part).toMatchObject({
      text,
      dataCoding: 0,
      esmClass: 0,
      registeredDelivery: 1,
      source: 'OTPGATE',
      sourceTon: 5,
      destination: '249912345678',
      destTon: 1,
      destNpi: 1,
    });
    expect(result).toEqual({ providerRef: part?.messageId, partRefs: [part?.messageId], parts: 1 });
  });

  it('splits a 200-character Arabic text into three UCS-2 parts that the SMSC reassembles', async () => {
    const server = await smsc();
    const provider = providerFor(server);
    expect([...ARABIC_200]).toHaveLength(200);

    const result = await provider.send(otp(ARABIC_200));

    expect(result.parts).toBe(3);
    expect(server.submits).toHaveLength(3);
    for (const [index, part] of server.submits.entries()) {
      expect(part.dataCoding).toBe(8);
      expect(part.esmClass & 0x40).toBe(0x40);
      expect(part.udh).toMatchObject({ total: 3, seq: index + 1, ref: server.submits[0]?.udh?.ref });
      expect(part.text.length).toBeLessThanOrEqual(67);
    }
    expect(server.messages).toHaveLength(1);
    expect(server.messages[0]).toMatchObject({ text: ARABIC_200, parts: 3, dataCoding: 8 });
    expect(result.partRefs).toEqual(server.submits.map((part) => part.messageId));
    expect(result.providerRef).toBe(server.submits[0]?.messageId);
  });

  it('sends a long text as one PDU with message_payload when the account says payload=message_payload', async () => {
    const server = await smsc();
    const provider = providerFor(server, { payload: 'message_payload' });
    const text = 'Your otpgate code is 123456. '.repeat(14);

    const result = await provider.send(otp(text));

    expect(server.submits).toHaveLength(1);
    expect(server.submits[0]).toMatchObject({ viaPayload: true, text, dataCoding: 0, esmClass: 0 });
    expect(result).toMatchObject({ parts: 3, partRefs: [server.submits[0]?.messageId] });
  });

  it('numbers concatenated messages with a new reference each time', async () => {
    const server = await smsc();
    const provider = providerFor(server);

    await provider.send(otp(ARABIC_200));
    await provider.send(otp(ARABIC_200));

    expect(server.messages.map((message) => message.text)).toEqual([ARABIC_200, ARABIC_200]);
    expect(server.submits[0]?.udh?.ref).not.toBe(server.submits[3]?.udh?.ref);
  });

  it('keeps several sends in flight within the window and all of them arrive', async () => {
    const server = await smsc();
    const provider = providerFor(server, { window: 3 });

    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => provider.send(otp(`code ${i}`))));

    expect(new Set(results.map((result) => result.providerRef)).size).toBe(20);
    expect(server.messages.map((message) => message.text).sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => `code ${i}`).sort(),
    );
  });

  it('uses a message’s own sender, as an international number when it starts with +', async () => {
    const server = await smsc();
    const provider = providerFor(server);

    await provider.send({ ...otp('hello'), from: '+4915112345678' });

    expect(server.submits[0]).toMatchObject({ source: '4915112345678', sourceTon: 1, sourceNpi: 1 });
  });
});
