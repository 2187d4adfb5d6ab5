/**
 * What /api answers when no route matched. CUSTOMERS, menu.app and CBSS share the prefix, and Fastify
 * takes one not-found handler per prefix, so one handler serves the three:
 * - ASP.NET routing ignores case, so a documented CUSTOMERS or CBSS path in another case
 *   (`/api/customers/send_otp`) is routed again to the documented one. Fastify routes before any
 *   hook runs and its router's caseSensitive option is app-wide (find-my-way would keep parameter
 *   values' case, but the native, menu.app and Bitel paths would stop being case-sensitive), so
 *   the rewrite is done here, on the rare miss, before the body is read. Such a request is charged
 *   twice to its IP (once per routing).
 * - Anything else is a 404 in the envelope of the face whose path it looks like.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../domain/errors.js';
import type { Clock } from '../domain/ports.js';
import { languageOf } from '../http/errors.js';
import { canonicalQuery } from './aspnet.js';
import { languageOf as cbssLanguageOf, refusalBody as cbssRefusal } from './cbss/map.js';
import { CBSS_PATHS } from './cbss/schemas.js';
import { refusalBody as customersRefusal } from './customers/map.js';
import { CUSTOMERS_PATHS } from './customers/schemas.js';
import { sendRefusal } from './legacy-errors.js';
import { refusalBody as menuappRefusal } from './menuapp/map.js';

const PREFIX = '/api';

/** Lower-cased documented path -> the documented path, for the faces served by ASP.NET. */
const DOCUMENTED = new Map(
  [...Object.values(CUSTOMERS_PATHS), ...Object.values(CBSS_PATHS)].map((path) => [
    `${PREFIX}${path}`.toLowerCase(),
    `${PREFIX}${path}`,
  ]),
);

type Envelope = (error: DomainError, request: FastifyRequest) => unknown;

/** The face a path under /api looks like: CBSS's /Customer/..., menu.app's /customers/{id}/..., else CUSTOMERS. */
function envelopeOf(path: string, clock: Clock): Envelope {
  const segments = path.toLowerCase().split('/').slice(2);
  if (segments[0] === 'customer') {
    return (error, request) =>
      cbssRefusal(
        error,
        cbssLanguageOf(canonicalQuery(request.query, ['Language']).Language),
        null,
        clock.now(),
      );
  }
  // menu.app's paths are lower case; CUSTOMERS' upper-case ones in any case are CUSTOMERS.
  if (path.split('/')[2] === 'customers' && segments.length >= 3) {
    return (error, request) => menuappRefusal(error, languageOf(request));
  }
  return (error) => customersRefusal(error);
}

/**
 * The /api not-found answer: `onRequest` (added as the host face's hook, it acts only on a miss, before
 * the body is read: a miss is a miss whatever its media type) and the handler it leaves nothing to.
 */
export function apiNotFound(routing: FastifyInstance['routing'], clock: Clock) {
  const answer = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const url = request.raw.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt < 0 ? url : url.slice(0, queryAt);
    const documented = DOCUMENTED.get(path.toLowerCase());
    if (documented !== undefined && documented !== path) {
      request.raw.url = documented + (queryAt < 0 ? '' : url.slice(queryAt));
      reply.hijack();
      routing(request.raw, reply.raw);
      return reply;
    }
    return sendRefusal(new DomainError('not_found'), request, reply, () => 404, envelopeOf(path, clock));
  };
  return {
    onRequest: async (request: FastifyRequest, reply: FastifyReply) =>
      request.is404 ? answer(request, reply) : undefined,
    handler: answer,
  };
}
