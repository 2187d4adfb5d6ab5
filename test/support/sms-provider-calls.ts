/** Calling a provider in tests: a one-time-code message, and the SmsError a send fails with. */
import { SmsError, type OutgoingSms, type SmsProvider } from '../../src/sms/provider.js';

export const MESSAGE_ID = '7d0c6f9e-4a43-4f1b-9d7e-2f1a3c5b6d70';

export function otpMessage(to: string, text = 'Your otpgate code is 482913'): OutgoingSms {
  return { id: MESSAGE_ID, to, text, kind: 'otp' };
}

/** The SmsError a send rejects with; fails the test when it resolves or throws anything else. */
export async function sendError(provider: SmsProvider, message: OutgoingSms): Promise<SmsError> {
  const error: unknown = await provider.send(message).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof SmsError)) throw new Error(`expected an SmsError, got ${String(error)}`);
  return error;
}
