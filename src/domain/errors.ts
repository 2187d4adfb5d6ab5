/**
 * Every error the domain raises, declared once: a stable code, the HTTP status the native API
 * answers with, and the message in English and Arabic. Faces map these to their own shapes.
 */
export const ERRORS = {
  invalid_request: { status: 400, en: 'The request is not valid.', ar: 'الطلب غير صالح.' },
  invalid_json: { status: 400, en: 'The request body is not valid JSON.', ar: 'نص الطلب ليس JSON صالحًا.' },
  invalid_phone: { status: 400, en: 'The phone number is not valid.', ar: 'رقم الهاتف غير صالح.' },
  invalid_email: { status: 400, en: 'The email address is not valid.', ar: 'البريد الإلكتروني غير صالح.' },
  invalid_code: { status: 400, en: 'The code must be digits only.', ar: 'يجب أن يتكون الرمز من أرقام فقط.' },
  invalid_reference: {
    status: 400,
    en: 'A referenced country or emirate does not exist.',
    ar: 'الدولة أو الإمارة المشار إليها غير موجودة.',
  },
  invalid_cursor: { status: 400, en: 'The page cursor is not valid.', ar: 'مؤشر الصفحة غير صالح.' },
  unauthorized: { status: 401, en: 'A valid API key is required.', ar: 'مطلوب مفتاح واجهة برمجية صالح.' },
  signature_invalid: {
    status: 401,
    en: 'The request signature is not valid, or its login session has expired.',
    ar: 'توقيع الطلب غير صالح، أو انتهت صلاحية جلسة تسجيل الدخول.',
  },
  session_expired: {
    status: 401,
    en: 'There is no live login session: log in again.',
    ar: 'لا توجد جلسة تسجيل دخول سارية: سجّل الدخول مرة أخرى.',
  },
  request_stale: {
    status: 401,
    en: 'The request time is too far from the server time.',
    ar: 'وقت الطلب بعيد جدًا عن وقت الخادم.',
  },
  request_replayed: {
    status: 401,
    en: 'This signed request was already received.',
    ar: 'تم استلام هذا الطلب الموقّع من قبل.',
  },
  admin_key_invalid: {
    status: 401,
    en: 'The admin key is not correct.',
    ar: 'مفتاح المسؤول غير صحيح.',
  },
  admin_session_required: {
    status: 401,
    en: 'Sign in to the console first.',
    ar: 'سجّل الدخول إلى لوحة التحكم أولًا.',
  },
  // A mutating request without the console's header or from another origin: a cross-site form or script.
  admin_origin_refused: {
    status: 403,
    en: 'This request did not come from the console.',
    ar: 'هذا الطلب لم يصدر من لوحة التحكم.',
  },
  forbidden: { status: 403, en: 'This client may not do that.', ar: 'لا يسمح لهذا العميل بذلك.' },
  wrong_password: { status: 403, en: 'The password is not correct.', ar: 'كلمة المرور غير صحيحة.' },
  // 403 as Twilio Verify answers a Fraud Guard or Geo Permissions block (60410, 60605): not a rate, so a
  // client must not retry it on a timer; only an operator (or the block's end) lets the number through.
  prefix_blocked: {
    status: 403,
    en: 'Codes to this number range are blocked for now: too many were sent and not used.',
    ar: 'إرسال الرموز إلى نطاق الأرقام هذا محظور حاليًا: أُرسل الكثير منها ولم يُستخدم.',
  },
  country_not_permitted: {
    status: 403,
    en: 'Codes may not be sent to numbers in this country.',
    ar: 'لا يُسمح بإرسال الرموز إلى أرقام في هذه الدولة.',
  },
  not_found: {
    status: 404,
    en: 'Nothing was found at this address.',
    ar: 'لم يتم العثور على شيء في هذا العنوان.',
  },
  customer_not_found: { status: 404, en: 'The customer was not found.', ar: 'لم يتم العثور على العميل.' },
  verification_not_found: {
    status: 404,
    en: 'The verification was not found.',
    ar: 'لم يتم العثور على التحقق.',
  },
  service_not_found: {
    status: 404,
    en: 'The verification service was not found.',
    ar: 'لم يتم العثور على خدمة التحقق.',
  },
  message_not_found: { status: 404, en: 'The message was not found.', ar: 'لم يتم العثور على الرسالة.' },
  client_not_found: {
    status: 404,
    en: 'No API client has this code.',
    ar: 'لا يوجد عميل واجهة برمجية بهذا الرمز.',
  },
  webhook_not_found: {
    status: 404,
    en: 'This client has no webhook.',
    ar: 'لا يوجد لهذا العميل عنوان إشعارات (webhook).',
  },
  prefix_not_found: {
    status: 404,
    en: 'This prefix is not on the list.',
    ar: 'هذه البادئة ليست في القائمة.',
  },
  email_taken: {
    status: 409,
    en: 'This email address is already registered.',
    ar: 'هذا البريد الإلكتروني مسجل بالفعل.',
  },
  phone_taken: {
    status: 409,
    en: 'This phone number is already registered.',
    ar: 'رقم الهاتف هذا مسجل بالفعل.',
  },
  client_exists: {
    status: 409,
    en: 'An API client with this code already exists.',
    ar: 'يوجد عميل واجهة برمجية بهذا الرمز بالفعل.',
  },
  phone_unchanged: {
    status: 409,
    en: 'The new phone number is the current one.',
    ar: 'رقم الهاتف الجديد هو نفس الرقم الحالي.',
  },
  no_pending_phone_change: {
    status: 409,
    en: 'There is no phone number change waiting for confirmation.',
    ar: 'لا يوجد تغيير لرقم الهاتف بانتظار التأكيد.',
  },
  verification_expired: { status: 409, en: 'The code has expired.', ar: 'انتهت صلاحية الرمز.' },
  verification_approved: { status: 409, en: 'The code was already used.', ar: 'تم استخدام الرمز بالفعل.' },
  verification_canceled: { status: 409, en: 'The verification was canceled.', ar: 'تم إلغاء التحقق.' },
  max_attempts_reached: {
    status: 409,
    en: 'Too many wrong codes: request a new verification.',
    ar: 'محاولات خاطئة كثيرة: اطلب تحققًا جديدًا.',
  },
  verification_pending: {
    status: 409,
    en: 'A verification to this number is still pending.',
    ar: 'لا يزال هناك تحقق معلق لهذا الرقم.',
  },
  no_more_sends: {
    status: 409,
    en: 'This verification has no further step to send.',
    ar: 'لا توجد خطوة إرسال أخرى لهذا التحقق.',
  },
  custom_code_not_allowed: {
    status: 403,
    en: 'This service does not accept codes chosen by the client.',
    ar: 'لا تقبل هذه الخدمة رموزًا يختارها العميل.',
  },
  code_incorrect: { status: 422, en: 'The code is not correct.', ar: 'الرمز غير صحيح.' },
  // IETF draft-ietf-httpapi-idempotency-key-header: 422 for a key reused on another request, 409 while the first runs.
  request_id_reused: {
    status: 422,
    en: 'This request ID was already used for a different request.',
    ar: 'معرّف الطلب هذا مستخدم بالفعل لطلب مختلف.',
  },
  request_in_progress: {
    status: 409,
    en: 'A request with this request ID is still being processed: retry shortly.',
    ar: 'لا يزال طلب بمعرّف الطلب هذا قيد المعالجة: أعد المحاولة بعد قليل.',
  },
  payload_too_large: { status: 413, en: 'The request body is too large.', ar: 'نص الطلب كبير جدًا.' },
  unsupported_media_type: {
    status: 415,
    en: 'The request body must be JSON.',
    ar: 'يجب أن يكون نص الطلب بتنسيق JSON.',
  },
  too_many_sends: {
    status: 429,
    en: 'Too many codes were sent to this number: try again later.',
    ar: 'تم إرسال رموز كثيرة إلى هذا الرقم: حاول لاحقًا.',
  },
  phone_locked: {
    status: 429,
    en: 'Too many wrong codes for this number: try again later.',
    ar: 'رموز خاطئة كثيرة لهذا الرقم: حاول لاحقًا.',
  },
  password_locked: {
    status: 429,
    en: 'Too many wrong passwords: sign-in is locked for a while, try again later.',
    ar: 'كلمات مرور خاطئة كثيرة: تسجيل الدخول مقفل لفترة، حاول لاحقًا.',
  },
  // 429: a budget frees up when its period ends, which Retry-After tells.
  send_budget_exceeded: {
    status: 429,
    en: 'The budget of codes for this period is spent: try again later.',
    ar: 'نفدت حصة الرموز لهذه الفترة: حاول لاحقًا.',
  },
  rate_limited: { status: 429, en: 'Too many requests: try again later.', ar: 'طلبات كثيرة: حاول لاحقًا.' },
  internal_error: { status: 500, en: 'Something went wrong on our side.', ar: 'حدث خطأ من جانبنا.' },
  // The SMS-pumping guard's tables are not in this build: the console says so rather than show made-up data.
  not_available: {
    status: 501,
    en: 'This is not available on this server yet.',
    ar: 'هذا غير متاح على هذا الخادم بعد.',
  },
  // Its storage cannot be reached or did not answer in time: the request was fine, retry after Retry-After.
  unavailable: {
    status: 503,
    en: 'The service is unavailable for a moment: try again shortly.',
    ar: 'الخدمة غير متاحة مؤقتًا: حاول مرة أخرى بعد قليل.',
  },
} as const satisfies Record<string, { status: number; en: string; ar: string }>;

export type ErrorCode = keyof typeof ERRORS;

export interface ErrorDetail {
  /** The field a problem is about, as a JSON pointer-ish path (e.g. "/phone"). */
  field?: string;
  problem: string;
}

export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetail[] | undefined;
  /** Seconds until a retry can succeed (for 429s and 503s). */
  readonly retryAfterSeconds: number | undefined;
  /** The existing thing a conflict is about (the pending verification of verification_pending). */
  readonly resourceId: string | undefined;

  constructor(
    code: ErrorCode,
    options: { details?: ErrorDetail[]; retryAfterSeconds?: number; resourceId?: string } = {},
  ) {
    super(ERRORS[code].en);
    this.name = 'DomainError';
    this.code = code;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.resourceId = options.resourceId;
  }

  get status(): number {
    return ERRORS[this.code].status;
  }
}

export type Language = 'en' | 'ar';

export function errorMessage(code: ErrorCode, language: Language): string {
  return ERRORS[code][language];
}
