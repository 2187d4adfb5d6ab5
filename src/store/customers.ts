import { sql, type Insertable, type Kysely } from 'kysely';
import type { CustomerPatch, CustomerStore, NewCustomer } from '../domain/ports.js';
import type { CustomerRecord } from '../domain/types.js';
import type { CustomerRow, CustomersTable, Database } from './database.js';
import { withConstraintErrors } from './errors.js';

export function toCustomer(row: CustomerRow): CustomerRecord {
  return {
    id: row.id,
    number: row.number,
    nameEn: row.name_en,
    nameAr: row.name_ar,
    email: row.email,
    phone: row.phone,
    passwordHash: row.password_hash,
    ownerClientId: row.client_id,
    tenant: row.tenant,
    notes: row.notes,
    active: row.active,
    emirateId: row.emirate_id,
    mobileCountryId: row.mobile_country_id,
    phoneVerified: row.phone_verified,
    pendingPhone: row.pending_phone,
    pendingVerificationId: row.pending_verification_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const COLUMNS: Record<keyof CustomerPatch, keyof CustomersTable> = {
  nameEn: 'name_en',
  nameAr: 'name_ar',
  email: 'email',
  phone: 'phone',
  passwordHash: 'password_hash',
  notes: 'notes',
  active: 'active',
  emirateId: 'emirate_id',
  mobileCountryId: 'mobile_country_id',
  phoneVerified: 'phone_verified',
  pendingPhone: 'pending_phone',
  pendingVerificationId: 'pending_verification_id',
};

function toRow(c: NewCustomer): Insertable<CustomersTable> {
  return {
    id: c.id,
    client_id: c.ownerClientId,
    tenant: c.tenant,
    name_en: c.nameEn,
    name_ar: c.nameAr,
    email: c.email,
    phone: c.phone,
    password_hash: c.passwordHash,
    notes: c.notes,
    active: c.active,
    emirate_id: c.emirateId,
    mobile_country_id: c.mobileCountryId,
    ...(c.phoneVerified === undefined ? {} : { phone_verified: c.phoneVerified }),
    pending_phone: null,
    pending_verification_id: null,
    created_at: c.now,
    updated_at: c.now,
  };
}

export function customerStore(db: Kysely<Database>): CustomerStore {
  const selectAll = (tenant: string) => db.selectFrom('customers').selectAll().where('tenant', '=', tenant);
  return {
    async insert(c) {
      const row = await withConstraintErrors(
        db.insertInto('customers').values(toRow(c)).returningAll().executeTakeFirstOrThrow(),
      );
      return toCustomer(row);
    },
    async insertMany(customers) {
      if (customers.length === 0) return;
      await withConstraintErrors(db.insertInto('customers').values(customers.map(toRow)).execute());
    },
    async findTaken(tenant, emails, phones) {
      const lower = [...new Set(emails.map((email) => email.toLowerCase()))];
      const byEmail =
        lower.length === 0
          ? []
          : await db
              .selectFrom('customers')
              .select((eb) => eb.fn<string>('lower', ['email']).as('email'))
              .where('tenant', '=', tenant)
              .where((eb) => eb(eb.fn('lower', ['email']), 'in', lower))
              .execute();
      const byPhone =
        phones.length === 0
          ? []
          : await db
              .selectFrom('customers')
              .select('phone')
              .where('tenant', '=', tenant)
              .where('phone', 'in', [...new Set(phones)])
              .execute();
      return { emails: byEmail.map((row) => row.email), phones: byPhone.map((row) => row.phone) };
    },
    async findById(tenant, id) {
      const row = await selectAll(tenant).where('id', '=', id).executeTakeFirst();
      return row && toCustomer(row);
    },
    async findByNumber(tenant, number) {
      const row = await selectAll(tenant).where('number', '=', number).executeTakeFirst();
      return row && toCustomer(row);
    },
    async findByPhone(tenant, phone) {
      const row = await selectAll(tenant).where('phone', '=', phone).executeTakeFirst();
      return row && toCustomer(row);
    },
    async findByEmail(tenant, email) {
      const row = await selectAll(tenant)
        .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
        .executeTakeFirst();
      return row && toCustomer(row);
    },
    async update(tenant, id, patch, now) {
      const values: Record<string, unknown> = { updated_at: now };
      for (const [key, value] of Object.entries(patch)) {
        if (value !== undefined) values[COLUMNS[key as keyof CustomerPatch]] = value;
      }
      const row = await withConstraintErrors(
        db
          .updateTable('customers')
          .set(values)
          .where('id', '=', id)
          .where('tenant', '=', tenant)
          .returningAll()
          .executeTakeFirst(),
      );
      return row && toCustomer(row);
    },
    async switchPhone(id, verificationId, { e164: phone, countryId }, now) {
      // Locks the row, then switches only if this change is still the pending one.
      const result = await withConstraintErrors(
        sql<{ old_phone: string }>`
          UPDATE customers AS c
          SET phone = ${phone}, mobile_country_id = ${countryId}, phone_verified = true,
              pending_phone = NULL, pending_verification_id = NULL,
              updated_at = ${now}
          FROM (SELECT id, phone AS old_phone FROM customers WHERE id = ${id} FOR UPDATE) AS old
          WHERE c.id = old.id AND c.pending_verification_id = ${verificationId}
          RETURNING old.old_phone`.execute(db),
      );
      return result.rows[0]?.old_phone;
    },
    async list(tenant, afterNumber, limit) {
      const rows = await selectAll(tenant)
        .where('number', '>', afterNumber)
        .orderBy('number')
        .limit(limit)
        .execute();
      return rows.map(toCustomer);
    },
  };
}
