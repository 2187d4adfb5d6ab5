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

/** The bytes of each JSON body as they came: WhatsApp signs them (X-Hub-Signature-256), not the parsed object. */
const rawBodies = new WeakMap<object, string>();

export function rawBodyOf(request: object): string | undefined {
  return rawBodies.get(request);
}

/**
 * JSON bodies parsed as Fastify core does, their text kept for a signature check; in this plugin's scope
 * only.
 */
export function keepRawJsonBodies(
  app: Pick<FastifyInstance, 'addContentTypeParser' | 'removeContentTypeParser' | 'getDefaultJsonParser'>,
): void {
  // Fastify's own parser (prototype poisoning refused), handed the text we keep.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    rawBodies.set(request, text);
    parseJson(request, text, done);
  });
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
