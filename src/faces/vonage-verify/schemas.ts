/**
 * Vonage Verify v2's wire schemas (TypeBox), as `@vonage/verify2` sends them: snake_case JSON. Fields this
 * face does not use (channel_timeout, client_ref, fraud_check, template_id, a step's from) are accepted and
 * ignored.
 */
import { Type } from 'typebox';

/** It goes into every text: one line, no control characters (Vonage allows 16 characters). */
const brand = Type.String({ minLength: 1, maxLength: 16, pattern: '^[^\\u0000-\\u001F\\u007F]+$' });

export const WorkflowStep = Type.Object(
  {
    channel: Type.String({ description: 'sms, whatsapp or email (others are refused with 422)' }),
    to: Type.String({
      minLength: 1,
      maxLength: 254,
      description: 'E.164, with or without the +; an email address for email',
    }),
    app_hash: Type.Optional(Type.String({ description: 'Android SMS Retriever: 11 characters' })),
  },
  { additionalProperties: true },
);

export const StartBody = Type.Object(
  {
    brand,
    workflow: Type.Array(WorkflowStep, {
      minItems: 1,
      maxItems: 3,
      description:
        'Channels in order: SMS steps to one number are resends (next_workflow); with WhatsApp or email the next step also follows by itself after channel_timeout',
    }),
    channel_timeout: Type.Optional(
      Type.Integer({ minimum: 15, maximum: 900, description: 'Seconds a step waits (300 by default)' }),
    ),
    locale: Type.Optional(
      Type.String({
        maxLength: 16,
        description: 'en-us, ar-..., fa-... (others: English); absent: the country’s',
      }),
    ),
    code_length: Type.Optional(Type.Integer({ minimum: 4, maximum: 10 })),
    code: Type.Optional(
      Type.String({ maxLength: 10, description: 'A code the client chose: 4 to 10 digits' }),
    ),
  },
  { additionalProperties: true },
);

export const RequestParams = Type.Object({ id: Type.String({ description: 'The request_id' }) });

export const CheckBody = Type.Object(
  { code: Type.String({ minLength: 1, maxLength: 20 }) },
  { additionalProperties: true },
);

export const Started = Type.Object({
  request_id: Type.String({ format: 'uuid' }),
  check_url: Type.String({ description: 'Where to POST the code' }),
});

export const Completed = Type.Object({
  request_id: Type.String({ format: 'uuid' }),
  status: Type.Literal('completed'),
});

/** RFC 7807 problem details, as Vonage writes them. */
export const Problem = Type.Object({
  type: Type.String(),
  title: Type.String(),
  detail: Type.String(),
  instance: Type.String(),
  request_id: Type.Optional(Type.String()),
  invalid_parameters: Type.Optional(Type.Array(Type.Object({ name: Type.String(), reason: Type.String() }))),
});
