/** The migrations in order. Listed here (not read from disk) so they run the same from source and from a build. */
import type { Migration } from 'kysely';
import * as initial from './2026_11_23_00_initial.js';
import * as referenceData from './2026_11_23_01_reference_data.js';
import * as menuappRequests from './2026_11_23_10_menuapp_requests.js';
import * as cbss from './2026_11_23_11_cbss.js';
import * as smsParts from './2026_11_23_20_sms_parts.js';
import * as undeliveredAt from './2026_11_23_30_undelivered_at.js';
import * as customerOwner from './2026_11_23_31_customer_owner.js';
import * as outboxClaims from './2026_11_23_40_outbox_claims.js';
import * as tenants from './2026_12_02_00_tenants.js';
import * as secretCheck from './2026_12_02_10_secret_check.js';
import * as abuseGuard from './2026_12_03_10_abuse_guard.js';
import * as verifyServices from './2026_12_03_30_verify_services.js';
import * as foreignKeyIndexes from './2026_12_03_50_foreign_key_indexes.js';
import * as requestClaims from './2026_12_03_60_request_claims.js';
import * as clientWebhooks from './2026_12_03_61_client_webhooks.js';
import * as verificationChecks from './2026_12_03_70_verification_checks.js';
import * as adminSessions from './2026_12_03_71_admin_sessions.js';
import * as channels from './2026_12_03_80_channels.js';
import * as hotPaths from './2026_12_03_90_hot_paths.js';
import * as startRows from './2026_12_04_00_start_rows.js';
import * as smsDue from './2026_12_04_10_sms_due.js';
import * as quietWebhooks from './2026_12_04_20_quiet_webhooks.js';
import * as partialIndexes from './2026_12_04_30_partial_indexes.js';
import * as retireByVerification from './2026_12_04_40_retire_by_verification.js';
import * as checkLocks from './2026_12_04_50_check_locks.js';
import * as countSend from './2026_12_04_60_count_send.js';

export const migrations: Record<string, Migration> = {
  '2026_11_23_00_initial': initial,
  '2026_11_23_01_reference_data': referenceData,
  '2026_11_23_10_menuapp_requests': menuappRequests,
  '2026_11_23_11_cbss': cbss,
  '2026_11_23_20_sms_parts': smsParts,
  '2026_11_23_30_undelivered_at': undeliveredAt,
  '2026_11_23_31_customer_owner': customerOwner,
  '2026_11_23_40_outbox_claims': outboxClaims,
  '2026_12_02_00_tenants': tenants,
  '2026_12_02_10_secret_check': secretCheck,
  '2026_12_03_10_abuse_guard': abuseGuard,
  '2026_12_03_30_verify_services': verifyServices,
  '2026_12_03_50_foreign_key_indexes': foreignKeyIndexes,
  '2026_12_03_60_request_claims': requestClaims,
  '2026_12_03_61_client_webhooks': clientWebhooks,
  '2026_12_03_70_verification_checks': verificationChecks,
  '2026_12_03_71_admin_sessions': adminSessions,
  '2026_12_03_80_channels': channels,
  '2026_12_03_90_hot_paths': hotPaths,
  '2026_12_04_00_start_rows': startRows,
  '2026_12_04_10_sms_due': smsDue,
  '2026_12_04_20_quiet_webhooks': quietWebhooks,
  '2026_12_04_30_partial_indexes': partialIndexes,
  '2026_12_04_40_retire_by_verification': retireByVerification,
  '2026_12_04_50_check_locks': checkLocks,
  '2026_12_04_60_count_send': countSend,
};
