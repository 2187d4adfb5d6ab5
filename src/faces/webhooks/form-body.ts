/**
 * application/x-www-form-urlencoded bodies (Twilio's status callbacks, Vonage's POST receipts) as an object of
 * fields, a repeated name kept as an array: Fastify core parses JSON only, and this face needs no more than this.
 */
import type { FastifyInstance } from 'fastify';

export type FormFields = Record<string, string | string[]>;

export function parseFormFields(text: string): FormFields {
  const fields: FormFields = {};
  for (const [name, value] of new URLSearchParams(text)) {
    const existing = fields[name];
    if (existing === undefined) fields[name] = value;
    else fields[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return fields;
}

/** Adds the parser to this plugin's scope only: the other faces keep refusing form bodies. */
export function acceptFormBodies(app: Pick<FastifyInstance, 'addContentTypeParser'>): void {
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) =>
      done(null, parseFormFields(typeof body === 'string' ? body : body.toString('utf8'))),
  );
}
