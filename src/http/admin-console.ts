/**
 * The operator console's pages: the static files Vite built (console/dist, by `npm run build`), served at
 * /admin by this same server. Every route under /admin that is not a file or the API answers the app's
 * page, whose router then draws the right view. Nothing is loaded from elsewhere: the content security
 * policy allows this origin only, so a page cannot reach another machine even by mistake.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyReply } from 'fastify';
import type { HttpApp } from '../faces/context.js';

/** Two folders up from src/http or dist/http: the package's root, where Vite writes console/dist. */
export const CONSOLE_DIST = fileURLToPath(new URL('../../console/dist/', import.meta.url));

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export async function registerConsolePages(http: HttpApp, root = CONSOLE_DIST): Promise<void> {
  const built = existsSync(`${root}index.html`);
  if (!built) http.log.warn({ root }, 'the operator console is not built: run npm run build');

  await http.register(async (scope) => {
    scope.addHook('onSend', async (_request, reply) => {
      reply.headers(SECURITY_HEADERS);
    });
    if (built) {
      // Vite names every asset by its content's hash: a file never changes under its name.
      await scope.register(fastifyStatic, {
        root: `${root}assets/`,
        prefix: '/admin/assets/',
        immutable: true,
        maxAge: '365d',
        index: false,
      });
    }
    const page = (reply: FastifyReply) => {
      if (!built) {
        return reply.status(503).type('text/plain').send('The console is not built: run npm run build.');
      }
      return reply.header('cache-control', 'no-cache').sendFile('index.html', root);
    };
    scope.get('/admin', { schema: { hide: true } }, (_request, reply) => page(reply));
    scope.get('/admin/*', { schema: { hide: true } }, (request, reply) => {
      // An unknown API path is a 404 in the API's shape, never the page.
      if (request.url.startsWith('/admin/api/')) {
        throw Object.assign(new Error('not found'), { statusCode: 404 });
      }
      return page(reply);
    });
  });
}
