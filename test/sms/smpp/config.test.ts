import { describe, expect, it } from 'vitest';
import { parseSmppUrl, SMPP_DEFAULTS } from '../../../src/sms/providers/smpp/index.js';

describe('parseSmppUrl', () => {
  it('reads every account setting from the URL', () => {
    const config = parseSmppUrl(
      'smpp://otpgate:s3cr%2Ft@smsc.example.net:2776?source_addr=OTPGATE&tps=50&window=20&system_type=OTP' +
        '&payload=message_payload&dlr_id=hex&source_ton=5&source_npi=0&dest_ton=1&dest_npi=1&enquire_link_ms=15000',
    );

    expect(config).toMatchObject({
      host: 'smsc.example.net',
      port: 2776,
      tls: false,
      systemId: 'otpgate',
      password: 's3cr/t',
      systemType: 'OTP',
      sourceAddr: 'OTPGATE',
      sourceTon: 5,
      sourceNpi: 0,
      destTon: 1,
      destNpi: 1,
      tps: 50,
      window: 20,
      longText: 'message_payload',
      dlrId: 'hex',
      enquireLinkMs: 15_000,
    });
  });

  it('fills in the documented defaults', () => {
    const config = parseSmppUrl('smpp://otpgate:secret@10.0.0.5');

    expect(config).toMatchObject({
      port: 2775,
      tps: SMPP_DEFAULTS.tps,
      window: 10,
      longText: 'udh',
      dlrId: 'auto',
      enquireLinkMs: 30_000,
      submitTimeoutMs: 10_000,
      sourceTon: undefined,
      sourceAddr: '',
    });
  });

  it('reads smpps:// as TLS on port 3550, with tls_insecure for self-signed test servers', () => {
    expect(parseSmppUrl('smpps://otpgate:secret@smsc.example.net?tls_insecure=1')).toMatchObject({
      tls: true,
      tlsInsecure: true,
      port: 3550,
    });
    expect(parseSmppUrl('smpps://otpgate:secret@[::1]:3551')).toMatchObject({
      host: '::1',
      tlsInsecure: false,
    });
  });

  it.each([
    ['http://otpgate:secret@host', /scheme http:/],
    ['smpp://:secret@host', /system_id/],
    ['smpp://averyveryverylongsystemid:secret@host', /system_id is longer than 15/],
    ['smpp://otpgate:muchtoolong@host', /password is longer than 8/],
    ['smpp://otpgate:secret@host?tps=fast', /tps=fast is not a whole number/],
    ['smpp://otpgate:secret@host?window=0', /window=0 is outside/],
    ['smpp://otpgate:secret@host?payload=tlv', /payload=tlv is not one of/],
    ['smpp://otpgate:secret@host?dlr_id=base64', /dlr_id=base64/],
    ['smpp://otpgate:secret@host?sorce_addr=X', /unknown parameter sorce_addr/],
    ['smpp://otpgate:secret@host?tls_insecure=1', /tls_insecure needs the smpps: scheme/],
    ['smpp://otpgate:secret@host/path', /unexpected path/],
    ['not a url', /not a URL/],
  ])('rejects %s naming the bad part', (url, message) => {
    expect(() => parseSmppUrl(url)).toThrow(message);
  });

  it('never repeats the password in its errors', () => {
    expect(() => parseSmppUrl('smpp://otpgate:hunter2@host?tps=x')).toThrow(/^(?!.*hunter2)/);
    expect(() => parseSmppUrl('smpp://otpgate:hunter2@ho st')).toThrow(/^(?!.*hunter2)/);
  });
});
