/**
 * Every face, mounted at its own paths. A face is a thin translation onto the same domain; adding one
 * means adding its folder and one line here.
 */
import { adminFace } from './admin/routes.js';
import { bitelFace } from './bitel/routes.js';
import { cbssFace } from './cbss/routes.js';
import type { FaceContext, HttpApp } from './context.js';
import { customersFace } from './customers/routes.js';
import { menuappFace } from './menuapp/routes.js';
import { nativeFace } from './native/routes.js';
import { webhooksFace } from './webhooks/routes.js';

export type FaceName = 'native' | 'customers' | 'cbss' | 'menuapp' | 'bitel';

export async function registerFaces(
  app: HttpApp,
  context: Omit<FaceContext, 'authRequired'>,
  withoutAuth: ReadonlySet<string>,
): Promise<void> {
  const ctx = (face: FaceName): FaceContext => ({ ...context, authRequired: !withoutAuth.has(face) });
  await app.register(nativeFace, { prefix: '/v1', ...ctx('native') });
  await app.register(customersFace, { prefix: '/api', ...ctx('customers') });
  await app.register(menuappFace, { prefix: '/api', ...ctx('menuapp') });
  await app.register(cbssFace, { prefix: '/api', ...ctx('cbss') });
  await app.register(bitelFace, { prefix: '/api/v2/sms', ...ctx('bitel') });
  // Providers sign their webhooks; there is no client to authenticate.
  await app.register(webhooksFace, { prefix: '/webhooks/sms', ...context, authRequired: false });
  // Operators sign in with ADMIN_KEY; API clients' keys open nothing here.
  if (context.adminConsole !== undefined) {
    await app.register(adminFace, {
      prefix: '/admin/api',
      ...context.adminConsole,
      signInLimiter: context.limits.adminSignIn,
    });
  }
}
