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
import { twilioVerifyFace } from './twilio-verify/routes.js';
import { vonageVerifyFace } from './vonage-verify/routes.js';
import { webhooksFace } from './webhooks/routes.js';

export type FaceName = 'native' | 'customers' | 'cbss' | 'menuapp' | 'bitel';

export async function registerFaces(
  app: HttpApp,
  context: Omit<FaceContext, 'authRequired'>,
  withoutAuth: ReadonlySet<string>,
): Promise<void> {
  const ctx = (face: FaceName): FaceContext => ({ ...context, authRequired: !withoutAuth.has(face) });
  await app.register(nativeFace, { prefix: '/v1', ...ctx('native') });
  // The OpenAPI document is the native API's: the legacy faces keep the contracts of the systems they stand
  // in for (their documented samples are test/fixtures/), and the webhooks are the providers' to call.
  await app.register(async (outsideTheDocument) => {
    outsideTheDocument.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, hide: true };
    });
    await outsideTheDocument.register(customersFace, { prefix: '/api', ...ctx('customers') });
    await outsideTheDocument.register(menuappFace, { prefix: '/api', ...ctx('menuapp') });
    await outsideTheDocument.register(cbssFace, { prefix: '/api', ...ctx('cbss') });
    await outsideTheDocument.register(bitelFace, { prefix: '/api/v2/sms', ...ctx('bitel') });
    // The vendors' drop-ins: their SDKs and the vendors' own references document them. They always
    // authenticate (the SDKs always send credentials).
    await outsideTheDocument.register(twilioVerifyFace, {
      prefix: '/v2/Services',
      ...context,
      authRequired: true,
    });
    await outsideTheDocument.register(vonageVerifyFace, {
      prefix: '/v2/verify',
      ...context,
      authRequired: true,
    });
    // Providers sign their webhooks; there is no client to authenticate.
    await outsideTheDocument.register(webhooksFace, {
      prefix: '/webhooks/sms',
      ...context,
      authRequired: false,
    });
  });
  // Operators sign in with ADMIN_KEY; API clients' keys open nothing here. In the app's document, but
  // described apart from the clients' (http/openapi-documents.ts).
  if (context.adminConsole !== undefined) {
    await app.register(adminFace, {
      prefix: '/admin/api',
      ...context.adminConsole,
      signInLimiter: context.limits.adminSignIn,
    });
  }
}
