import { sql, type Kysely } from 'kysely';
import type { ExpressionBuilder } from 'kysely';
import {
  ALL_TENANTS,
  type NewVerification,
  type PendingKey,
  type VerificationStore,
} from '../domain/ports.js';
import type {
  Channel,
  Locale,
  Purpose,
  SendChannel,
  VerificationRecord,
  VerificationStatus,
  WorkflowStep,
} from '../domain/types.js';
import type { Database, VerificationRow } from './database.js';
import { messageRow } from './messages.js';
import { toAdmission } from './phone-guards.js';

export function toVerification(row: VerificationRow): VerificationRecord {
  return {
    id: row.id,
    to: row.phone,
    purpose: row.purpose as Purpose,
    locale: row.locale as Locale,
    customerId: row.customer_id,
    clientId: row.client_id,
    tenant: row.tenant,
    status: row.status as VerificationStatus,
    codeHash: row.code_hash,
    checks: row.checks,
    maxChecks: row.max_checks,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    approvedAt: row.approved_at,
    serviceId: row.service_id,
    brand: row.brand,
    codeLength: row.code_length,
    appHash: row.app_hash,
    maxSends: row.max_sends,
    channel: row.channel as Channel,
    workflow: (row.workflow as WorkflowStep[] | null) ?? null,
    step: row.step,
    stepDeadline: row.step_deadline,
  };
}

/** A new verification as its row: every column, as otp_start takes it too. */
function verificationRow(v: NewVerification): VerificationRow {
  return {
    id: v.id,
    phone: v.phone,
    purpose: v.purpose,
    locale: v.locale,
    customer_id: v.customerId,
    client_id: v.clientId,
    tenant: v.tenant,
    status: 'pending',
    code_hash: v.codeHash,
    checks: 0,
    max_checks: v.maxChecks,
    expires_at: v.expiresAt,
    created_at: v.now,
    updated_at: v.now,
    approved_at: null,
    service_id: v.serviceId,
    brand: v.brand,
    code_length: v.codeLength,
    app_hash: v.appHash,
    max_sends: v.maxSends,
    channel: v.channel ?? 'sms',
    workflow: v.workflow ?? null,
    step: 0,
    step_deadline: v.stepDeadline ?? null,
    counted_prefixes: v.countedPrefixes ?? null,
  };
}

/** A verification row as to_jsonb writes it (timestamps as text). */
type JsonRow = { [column in keyof VerificationRow]: VerificationRow[column] extends Date ? string : unknown };

const fromJsonRow = (json: JsonRow): VerificationRecord => {
  const date = (value: unknown) => (value === null ? null : new Date(String(value)));
  const row = json as unknown as VerificationRow;
  return toVerification({
    ...row,
    expires_at: new Date(json.expires_at),
    created_at: new Date(json.created_at),
    updated_at: new Date(json.updated_at),
    approved_at: date(json.approved_at),
    step_deadline: date(json.step_deadline),
  });
};

/** jsonb may come back from a driver as text. */
const parsedJson = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T;

/** The rows of one pending key: phone, purpose, tenant, customer and service. */
const ofKey = (key: PendingKey) => (eb: ExpressionBuilder<Database, 'verifications'>) =>
  eb.and([
    eb('phone', '=', key.phone),
    eb('purpose', '=', key.purpose),
    eb('status', '=', 'pending'),
    eb('tenant', '=', key.tenant),
    sql<boolean>`customer_id IS NOT DISTINCT FROM ${key.customerId}`,
    sql<boolean>`service_id IS NOT DISTINCT FROM ${key.serviceId}`,
  ]);

export function verificationStore(db: Kysely<Database>): VerificationStore {
  return {
    async check(plan) {
      const { rows } = await sql<{ outcome: unknown }>`SELECT otp_check(${JSON.stringify({
        ...plan,
        allTenants: ALL_TENANTS,
      })}::jsonb) AS outcome`.execute(db);
      const answer = parsedJson<{
        refused?: string;
        until?: string;
        needsTransaction?: boolean;
        valid?: boolean;
        lockedOut?: boolean;
        verification?: JsonRow;
        sends?: { messageId: string | null; channel: SendChannel; at: string }[];
      }>(rows[0]?.outcome);
      if (answer.refused !== undefined) {
        return answer.until === undefined
          ? { refused: answer.refused }
          : { refused: answer.refused, until: new Date(answer.until) };
      }
      if (answer.needsTransaction === true || answer.verification === undefined)
        return { needsTransaction: true };
      return {
        valid: answer.valid === true,
        lockedOut: answer.lockedOut === true,
        verification: fromJsonRow(answer.verification),
        sends: (answer.sends ?? []).map((send) => ({ ...send, at: new Date(send.at) })),
      };
    },
    async start(plan) {
      const row = verificationRow(plan.verification);
      const { rows } = await sql<{ outcome: unknown }>`SELECT otp_start(${JSON.stringify({
        verification: row,
        message: plan.message === null ? null : messageRow(plan.message),
        sendChannel: plan.sendChannel,
        window: plan.window,
        whenPending: plan.whenPending,
        allTenants: ALL_TENANTS,
      })}::jsonb) AS outcome`.execute(db);
      const answer = parsedJson<{ pending?: string; retired?: string[] }>(rows[0]?.outcome);
      const refusal = toAdmission(answer);
      if (refusal !== undefined) return refusal;
      if (answer.pending !== undefined) return { pendingId: answer.pending };
      return { verification: toVerification(row), retired: answer.retired ?? [] };
    },
    async insert(v) {
      const row = await db
        .insertInto('verifications')
        .values({ ...verificationRow(v), workflow: v.workflow ? JSON.stringify(v.workflow) : null })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toVerification(row);
    },
    async findById(id) {
      const row = await db.selectFrom('verifications').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toVerification(row);
    },
    async listSends(id) {
      const rows = await db
        .selectFrom('verification_sends')
        .select(['message_id', 'channel', 'created_at'])
        .where('verification_id', '=', id)
        .orderBy('id')
        .execute();
      return rows.map((row) => ({
        messageId: row.message_id,
        channel: row.channel as SendChannel,
        at: row.created_at,
      }));
    },
    async recordSend(send) {
      await db
        .insertInto('verification_sends')
        .values({
          verification_id: send.verificationId,
          phone: send.phone,
          message_id: send.messageId,
          channel: send.channel,
          created_at: send.at,
        })
        .execute();
    },
    async recordCheck(check) {
      await db
        .insertInto('verification_checks')
        .values({ verification_id: check.verificationId, result: check.result, created_at: check.at })
        .execute();
    },
    async replaceCode(id, codeHash, expiresAt, now) {
      const result = await db
        .updateTable('verifications')
        .set({ code_hash: codeHash, expires_at: expiresAt, updated_at: now })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async expireOverdue(now, limit) {
      const rows = await db
        .updateTable('verifications')
        .set({ status: 'expired', updated_at: now })
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('verifications')
            .select('id')
            .where('status', '=', 'pending')
            .where('expires_at', '<=', now)
            .limit(limit)
            .forUpdate()
            .skipLocked(),
        )
        .where('status', '=', 'pending')
        .returning('id')
        .execute();
      return rows.map((row) => row.id);
    },
    async finish(id, status, now) {
      const result = await db
        .updateTable('verifications')
        .set({ status, updated_at: now, approved_at: status === 'approved' ? now : null })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async findPending(key, now) {
      const row = await db
        .selectFrom('verifications')
        .selectAll()
        .where(ofKey(key))
        .where('expires_at', '>', now)
        .orderBy('created_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row && toVerification(row);
    },
    async dueSteps(now, limit) {
      // The status of the newest send's message: a failed or undelivered one ends the step at once.
      const lastStatus = sql<string | null>`(
        SELECT m.status FROM verification_sends s JOIN sms_messages m ON m.id = s.message_id
        WHERE s.verification_id = verifications.id ORDER BY s.id DESC LIMIT 1)`;
      return db
        .selectFrom('verifications')
        .select(['id', 'step'])
        .where('status', '=', 'pending')
        .where('step_deadline', 'is not', null)
        .where((eb) =>
          eb.or([eb('step_deadline', '<=', now), eb(lastStatus, 'in', ['failed', 'undelivered'])]),
        )
        .orderBy('step_deadline')
        .limit(limit)
        .execute();
    },
    async advanceStep(id, fromStep, next, now) {
      const result = await db
        .updateTable('verifications')
        .set({
          step: fromStep + 1,
          channel: next.channel,
          phone: next.to,
          code_hash: next.codeHash,
          expires_at: next.expiresAt,
          step_deadline: next.stepDeadline,
          counted_prefixes: next.countedPrefixes,
          updated_at: now,
        })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .where('step', '=', fromStep)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async endWorkflow(id, now) {
      await db
        .updateTable('verifications')
        .set({ step_deadline: null, updated_at: now })
        .where('id', '=', id)
        .execute();
    },
    async cancelPendingOfService(serviceId, now) {
      const rows = await db
        .updateTable('verifications')
        .set({ status: 'canceled', updated_at: now })
        .where('service_id', '=', serviceId)
        .where('status', '=', 'pending')
        .returning('id')
        .execute();
      return rows.map((row) => row.id);
    },
  };
}
