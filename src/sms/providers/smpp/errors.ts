/**
 * SMPP command_status -> SmsError code, declared once (the mapping follows Jasmin's: throttling is
 * retried patiently, bad parameters of one message are final, bad credentials or sender are the account's).
 */
import smpp from 'smpp';
import { SmsError, type SmsErrorCode } from '../../provider.js';

/** Statuses not listed are 'unavailable': transient, so the dispatcher retries a few times and then fails over. */
const CODE_OF_STATUS: Readonly<Record<string, SmsErrorCode>> = {
  ESME_RTHROTTLED: 'rate_limited',
  ESME_RMSGQFUL: 'rate_limited',

  ESME_RSYSERR: 'unavailable',
  ESME_RINVBNDSTS: 'unavailable',
  ESME_RSUBMITFAIL: 'unavailable',
  ESME_RX_T_APPN: 'unavailable',
  ESME_RUNKNOWNERR: 'unavailable',
  // Some SMSCs answer a full bind table with a plain bind failure: keep retrying rather than declare the account bad.
  ESME_RBINDFAIL: 'unavailable',

  ESME_RINVDSTADR: 'rejected',
  ESME_RINVDSTTON: 'rejected',
  ESME_RINVDSTNPI: 'rejected',
  ESME_RINVMSGLEN: 'rejected',
  ESME_RINVESMCLASS: 'rejected',
  ESME_RINVDCS: 'rejected',
  ESME_RINVTLVSTREAM: 'rejected',
  ESME_RTLVNOTALLWD: 'rejected',
  ESME_RINVTLVLEN: 'rejected',
  ESME_RMISSINGTLV: 'rejected',
  ESME_RINVTLVVAL: 'rejected',
  ESME_RINVSCHED: 'rejected',
  ESME_RINVEXPIRY: 'rejected',
  ESME_RINVDSTADDRSUBUNIT: 'rejected',
  ESME_RX_P_APPN: 'rejected',
  ESME_RX_R_APPN: 'rejected',
  ESME_RDELIVERYFAILURE: 'rejected',

  ESME_RINVPASWD: 'invalid_config',
  ESME_RINVSYSID: 'invalid_config',
  ESME_RINVSYSTYP: 'invalid_config',
  ESME_RINVSRCADR: 'invalid_config',
  ESME_RINVSRCTON: 'invalid_config',
  ESME_RINVSRCNPI: 'invalid_config',
  ESME_RINVSRCADDRSUBUNIT: 'invalid_config',
  ESME_RINVSERTYP: 'invalid_config',
  ESME_RINVREGDLVFLG: 'invalid_config',
  ESME_RSERTYPUNAUTH: 'invalid_config',
  ESME_RSERTYPDENIED: 'invalid_config',
  ESME_RSERTYPUNAVAIL: 'invalid_config',
  ESME_RPROHIBITED: 'invalid_config',
};

const nameOfStatus = new Map<number, string>(
  Object.entries(smpp.errors).map(([name, value]) => [value, name]),
);

export const ESME_ROK = 0x00;
/** Temporary application error: the SMSC keeps the deliver_sm and delivers it again later (SMPP 3.4 §5.1.3). */
export const ESME_RX_T_APPN = 0x64;
/** The SMSC says we are not bound: the link is stale and needs a fresh bind. */
export const ESME_RINVBNDSTS = 0x04;

/** "ESME_RTHROTTLED", or the hex value for a vendor-specific status. */
export function statusName(status: number): string {
  return nameOfStatus.get(status) ?? `0x${status.toString(16).toUpperCase().padStart(8, '0')}`;
}

export function errorCodeOfStatus(status: number): SmsErrorCode {
  return CODE_OF_STATUS[statusName(status)] ?? 'unavailable';
}

export function smsErrorOfStatus(status: number, what: string): SmsError {
  const providerCode = statusName(status);
  return new SmsError(errorCodeOfStatus(status), `${what} failed: ${providerCode}`, { providerCode });
}
