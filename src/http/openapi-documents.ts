/**
 * One app, two OpenAPI documents: the clients' (everything but the console, served at /openapi.json and
 * behind `otpgate/client`) and the console's own (/admin/api, which the console's types come from).
 */
export const ADMIN_API_PREFIX = '/admin/api';

/** What splitting needs of an OpenAPI document; the rest is carried over as it is. */
export interface Document {
  info: { title: string; version: string; description?: string };
  paths?: Record<string, unknown>;
  [field: string]: unknown;
}

function withPaths(
  document: Document,
  keep: (path: string) => boolean,
  info: Partial<Document['info']>,
): Document {
  const paths = Object.fromEntries(Object.entries(document.paths ?? {}).filter(([path]) => keep(path)));
  return { ...document, info: { ...document.info, ...info }, paths };
}

export function clientDocument(document: Document): Document {
  return withPaths(document, (path) => !path.startsWith(ADMIN_API_PREFIX), {});
}

export function consoleDocument(document: Document): Document {
  return withPaths(document, (path) => path.startsWith(ADMIN_API_PREFIX), {
    title: 'otpgate console',
    description:
      'The operator console’s API: a session cookie from ADMIN_KEY, and the console header on changes.',
  });
}
