/**
 * Twilio Verify v2's wire schemas (TypeBox). Requests are form fields, every value a string; parameters this
 * face does not use are accepted and ignored, as Twilio's API ignores unknown ones. Replies are snake_case.
 */
import { Type } from 'typebox';

const bool = Type.Union([Type.Literal('true'), Type.Literal('false')]);
const codeLength = Type.String({ pattern: '^([4-9]|10)$', description: '4 to 10 digits' });
/** It goes into every text: one line, no control characters. */
const name = Type.String({ minLength: 1, maxLength: 30, pattern: '^[^\\u0000-\\u001F\\u007F]+$' });
const DateTime = Type.String({ format: 'date-time' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const ServiceParams = Type.Object({ serviceSid: Type.String({ description: 'VA + 32 hex digits' }) });
export const VerificationParams = Type.Object({
  serviceSid: Type.String(),
  verification: Type.String({ description: 'VE + 32 hex digits, or the To of a pending verification' }),
});

export const CreateServiceBody = Type.Object(
  {
    FriendlyName: name,
    CodeLength: Type.Optional(codeLength),
    CustomCodeEnabled: Type.Optional(bool),
    DefaultTemplateSid: Type.Optional(Type.String({ description: 'Accepted and ignored' })),
  },
  { additionalProperties: true },
);

export const UpdateServiceBody = Type.Object(
  {
    FriendlyName: Type.Optional(name),
    CodeLength: Type.Optional(codeLength),
    CustomCodeEnabled: Type.Optional(bool),
  },
  { additionalProperties: true },
);

export const ListServicesQuery = Type.Object(
  {
    PageSize: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$', description: '1 to 1000, default 50' })),
    Page: Type.Optional(Type.String({ pattern: '^[0-9]{1,6}$' })),
    PageToken: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: true },
);

export const StartVerificationBody = Type.Object(
  {
    To: Type.String({ minLength: 1, maxLength: 254, description: 'E.164; an email address for email' }),
    Channel: Type.String({ description: 'sms, whatsapp or email (call, sna, auto are refused with 60200)' }),
    Locale: Type.Optional(
      Type.String({ maxLength: 16, description: 'en, ar, fa (others: English); absent: the country’s' }),
    ),
    CustomFriendlyName: Type.Optional(name),
    CustomCode: Type.Optional(
      Type.String({ maxLength: 10, description: 'Only where the service enables it' }),
    ),
    AppHash: Type.Optional(Type.String({ description: 'Android SMS Retriever: 11 characters' })),
  },
  { additionalProperties: true },
);

export const UpdateVerificationBody = Type.Object(
  { Status: Type.Union([Type.Literal('canceled'), Type.Literal('approved')]) },
  { additionalProperties: true },
);

export const CheckBody = Type.Object(
  {
    Code: Type.String({ minLength: 1, maxLength: 10 }),
    To: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
    VerificationSid: Type.Optional(Type.String({ maxLength: 34 })),
  },
  { additionalProperties: true },
);

export const Service = Type.Object({
  sid: Type.String(),
  account_sid: Type.String(),
  friendly_name: Type.String(),
  code_length: Nullable(Type.Integer()),
  lookup_enabled: Type.Boolean(),
  psd2_enabled: Type.Boolean(),
  skip_sms_to_landlines: Type.Boolean(),
  dtmf_input_required: Type.Boolean(),
  tts_name: Type.Null(),
  do_not_share_warning_enabled: Type.Boolean(),
  custom_code_enabled: Type.Boolean(),
  default_template_sid: Type.Null(),
  verify_event_subscription_enabled: Type.Boolean(),
  date_created: DateTime,
  date_updated: DateTime,
  url: Type.String(),
  links: Type.Object({ verifications: Type.String(), verification_checks: Type.String() }),
});

export const ServicePage = Type.Object({
  services: Type.Array(Service),
  meta: Type.Object({
    page: Type.Integer(),
    page_size: Type.Integer(),
    first_page_url: Type.String(),
    previous_page_url: Type.Null(),
    url: Type.String(),
    next_page_url: Nullable(Type.String()),
    key: Type.Literal('services'),
  }),
});

const status = Type.String({
  description: 'pending, approved, canceled, expired or max_attempts_reached',
});

/** What a verification and a check of it both say. */
const verificationFields = {
  sid: Type.String({ description: 'VE + 32 hex digits' }),
  service_sid: Type.String(),
  account_sid: Type.String(),
  to: Type.String(),
  channel: Type.String({ description: 'sms, whatsapp or email' }),
  status,
  valid: Type.Boolean(),
  amount: Type.Null(),
  payee: Type.Null(),
  date_created: DateTime,
  date_updated: DateTime,
};

export const VerificationResource = Type.Object({
  ...verificationFields,
  lookup: Type.Object({}),
  send_code_attempts: Type.Array(
    Type.Object({ attempt_sid: Type.String(), channel: Type.String(), time: DateTime }),
  ),
  sna: Type.Null(),
  url: Type.String(),
});

export const CheckResource = Type.Object({
  ...verificationFields,
  sna_attempts_error_codes: Type.Array(Type.Unknown()),
});

export const TwilioError = Type.Object({
  code: Type.Integer({ description: 'e.g. 20003, 20404, 60200, 60202, 60203' }),
  message: Type.String(),
  more_info: Type.String(),
  status: Type.Integer(),
});
