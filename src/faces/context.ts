/** What every face (native or legacy) is handed: the one domain, the clients, the limits and the config. */
import type { Config } from '../config.js';
import type { Admin } from '../domain/admin.js';
import type { AdminSessions } from '../domain/admin-sessions.js';
import type { Clients } from '../domain/clients.js';
import type { Domain } from '../domain/index.js';
import type { Clock } from '../domain/ports.js';
import type { RateLimits } from '../limits/rate-limits.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, RawServerDefault } from 'fastify';
import type { Logger } from 'pino';
import type { SmsProvider } from '../sms/provider.js';
import type { ReceiptRecorder } from '../sms/receipts.js';

/** What the provider webhooks need: the providers that parse them, and where their receipts go. */
export interface SmsWebhookTargets {
  providers: readonly SmsProvider[];
  recorder: ReceiptRecorder;
}

export interface FaceContext {
  domain: Domain;
  clients: Clients;
  limits: RateLimits;
  config: Config;
  clock: Clock;
  smsWebhooks: SmsWebhookTargets;
  /** The operator console's services; undefined when ADMIN_KEY is unset (no console at all). */
  adminConsole: { sessions: AdminSessions; admin: Admin } | undefined;
  /** False when the deployment switched this face's client authentication off (FACES_WITHOUT_AUTH). */
  authRequired: boolean;
}

/** The app every face is registered on: Fastify with TypeBox schemas and our pino logger. */
export type HttpApp = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  Logger,
  TypeBoxTypeProvider
>;
