/**
 * The native API's contract and its reader: the OpenAPI 3.1 document that @fastify/swagger builds from the
 * routes' TypeBox schemas (at /openapi.json), the Scalar API reference (at /docs, nothing fetched from
 * another host) and `/` sending a browser there. Register before the faces: swagger collects routes as
 * they are added.
 */
import { createReadStream, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import swagger from '@fastify/swagger';
import { clientDocument, type Document } from './openapi-documents.js';
import { getHtmlDocument } from '@scalar/core/libs/html-rendering';
import type { Config } from '../config.js';
import type { HttpApp } from '../faces/context.js';

/** Scalar's standalone script, as @scalar/fastify-api-reference ships it. */
const SCALAR_SCRIPT = join(
  dirname(createRequire(import.meta.url).resolve('@scalar/fastify-api-reference')),
  'js/standalone.js',
);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Swagger writes each route's schemas inline (a response, a request body and the schemas nested in them).
 * Every schema with a `title` (the native face's named schemas) becomes `components.schemas[title]` and a
 * `$ref` where it was: clients get named types, and the document is a fraction of the size.
 */
export function hoistNamedSchemas<T extends object>(document: T): T {
  const components: Record<string, JsonObject> = {};
  const seen = new Map<string, string>();
  const hoist = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(hoist);
    if (!isObject(node)) return node;
    const walked = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, hoist(value)]));
    const title = walked.title;
    if (typeof title !== 'string') return walked;
    const key = JSON.stringify(walked);
    const known = seen.get(title);
    // Two different schemas under one title would make one of them lie: stop the start instead.
    if (known !== undefined && known !== key) throw new Error(`two different schemas are titled ${title}`);
    seen.set(title, key);
    components[title] ??= walked;
    return { $ref: `#/components/schemas/${title}` };
  };
  // Only where schemas live: the document's info has a title too.
  const result = document as unknown as JsonObject;
  const paths = hoist(result.paths ?? {});
  const existing = isObject(result.components) ? result.components : {};
  const schemas = isObject(existing.schemas) ? existing.schemas : {};
  const sorted = Object.fromEntries(
    Object.entries({ ...schemas, ...components }).sort(([a], [b]) => a.localeCompare(b)),
  );
  return { ...result, paths, components: { ...existing, schemas: sorted } } as unknown as T;
}

export async function registerApiReference(http: HttpApp, config: Config): Promise<void> {
  if (!existsSync(SCALAR_SCRIPT)) throw new Error(`the API reference's script is missing: ${SCALAR_SCRIPT}`);
  await http.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'otpgate',
        version: '1',
        description:
          'Phone-number verification by one-time passcode over SMS: register customers, text them a code, ' +
          'check it, change their number. Every operation but the probes takes a client key as ' +
          '`Authorization: Bearer <key>`; errors have one shape, `{"error": {"code", "message", "details"?}}`.',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      servers: [{ url: config.publicUrl, description: 'This otpgate (PUBLIC_URL)' }],
      tags: [
        { name: 'customers', description: 'Register customers, look them up, change their phone number' },
        { name: 'verifications', description: 'Text a one-time code to a number and check it' },
        { name: 'messages', description: 'The SMS the service sent, with their delivery status and price' },
        { name: 'clients', description: 'The calling client' },
        {
          name: 'webhooks',
          description: 'Status changes posted to the calling client, signed (docs/webhooks.md)',
        },
        {
          name: 'events',
          description: 'Security events of the caller’s tenant: limit hits, guard decisions, lock-outs',
        },
        { name: 'health', description: 'Probes for a load balancer or an orchestrator (no client key)' },
      ],
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'A client key (BOOTSTRAP_CLIENT, or `npm run -s cli -- clients create <code>`)',
          },
        },
      },
      // Every operation takes a client key; the public ones say `security: []`.
      security: [{ bearer: [] }],
    },
    transformObject: (document) =>
      'openapiObject' in document ? hoistNamedSchemas(document.openapiObject) : {},
  });
  // The clients' document: the console's own API is described apart (http/openapi-documents.ts).
  http.get('/openapi.json', { schema: { hide: true } }, async () =>
    clientDocument(http.swagger() as unknown as Document),
  );

  // Scalar's page and its script, served here rather than by @scalar/fastify-api-reference: that plugin reads
  // the 3.5 MB script into a string (6.75 MB of two-byte heap) the process would keep for life, a tenth of its
  // live heap, for a page few ever open. The script is streamed from the package's file on each request.
  const page = getHtmlDocument({
    cdn: 'js/scalar.js',
    url: '/openapi.json',
    pageTitle: 'otpgate API reference',
    // Nothing leaves the machine: no web fonts, no telemetry, no Scalar client or agent, no proxy.
    withDefaultFonts: false,
    telemetry: false,
    hideClientButton: true,
    showDeveloperTools: 'never',
    agent: { disabled: true },
    hiddenClients: true,
  });
  const quiet = { schema: { hide: true }, logLevel: 'warn' } as const;
  http.get('/docs', quiet, async (_request, reply) => reply.redirect('/docs/', 301));
  http.get('/docs/', quiet, async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
  http.get('/docs/js/scalar.js', quiet, async (_request, reply) =>
    reply.type('application/javascript; charset=utf-8').send(createReadStream(SCALAR_SCRIPT)),
  );
  http.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/docs/'));
}
