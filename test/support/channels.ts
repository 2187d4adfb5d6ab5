/** Shared by the channel tests: a verification as the native API shows it, and the texts an SMS file holds. */
import { readFileSync } from 'node:fs';
import { AUTH, type Harness } from './harness.js';

export interface WireVerification {
  id: string;
  to: string;
  status: string;
  channel: string;
  step: number;
  checks: number;
  sends: { messageId: string | null; channel: string }[];
}

/** POST /v1/verifications as a client makes it. */
export const startVerification = (h: Harness, payload: object) =>
  h.app.http.inject({ method: 'POST', url: '/v1/verifications', headers: AUTH, payload });

/** POST /v1/verifications/{id}/check, answered with the check's result. */
export async function checkCode(h: Harness, id: string, code: string) {
  const reply = await h.app.http.inject({
    method: 'POST',
    url: `/v1/verifications/${id}/check`,
    headers: AUTH,
    payload: { code },
  });
  if (reply.statusCode !== 200) throw new Error(`check: ${reply.statusCode} ${reply.body}`);
  return reply.json<{ valid: boolean; verification: WireVerification }>();
}

/** The texts a dev-outbox file holds for one number, oldest first (none before its first line). */
export function textsIn(file: string, to: string): string[] {
  let lines: string;
  try {
    lines = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return lines
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { to: string; text: string })
    .filter((line) => line.to === to)
    .map((line) => line.text);
}
