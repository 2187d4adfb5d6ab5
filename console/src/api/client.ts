/**
 * The console's client of its API, typed by the types generated from the app's own document (admin-api.ts).
 * Every request carries the console header the server's CSRF guard asks for; the session is the cookie.
 */
import createClient from 'openapi-fetch';
import type { paths } from './admin-api';

export type { paths };

export const api = createClient<paths>({
  baseUrl: window.location.origin,
  headers: { 'x-otpgate-console': '1' },
  credentials: 'same-origin',
});

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Fired when the server no longer knows the session: the app shows the sign-in form again. */
export const SIGNED_OUT_EVENT = 'otpgate:signed-out';

/** The reply's data, or an ApiError with the server's code (which the catalogue words). */
export async function call<T>(
  request: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await request;
  if (response.ok) return data as T;
  const body = error as { error?: { code?: string; message?: string } } | undefined;
  const failure = new ApiError(
    response.status,
    body?.error?.code ?? 'unknown',
    body?.error?.message ?? response.statusText,
  );
  if (failure.code === 'admin_session_required') window.dispatchEvent(new Event(SIGNED_OUT_EVENT));
  throw failure;
}
