/**
 * Channels and workflows (issue 15): where a code may go (a phone for sms and whatsapp, an address for email)
 * and the ordered steps a verification falls back through, as Vonage Verify v2's workflow.
 */
import { DomainError } from './errors.js';
import { toE164 } from './phones.js';
import { PHONE_CHANNELS, type Channel, type WorkflowStep } from './types.js';

/** A step that names none waits this long (Vonage Verify v2's channel_timeout default). */
export const DEFAULT_STEP_TIMEOUT_SECONDS = 300;

export interface WorkflowStepInput {
  channel: Channel;
  /** The request's `to` when absent. */
  to?: string;
  timeoutSeconds?: number;
}

/** RFC 5321: a path is at most 254 characters; one @, no spaces, a dotted domain. */
const EMAIL = /^[^\s@<>()[\],;:"]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

export function isPhoneChannel(channel: Channel): boolean {
  return PHONE_CHANNELS.has(channel);
}

/** The destination of a channel in its one form: E.164, or a lower-cased email address. */
export function destinationFor(
  channel: Channel,
  raw: string,
  options: { country?: string; field: string },
): string {
  if (isPhoneChannel(channel)) return toE164(raw, options);
  const address = raw.trim().toLowerCase();
  if (address.length > 254 || !EMAIL.test(address)) {
    throw new DomainError('invalid_email', {
      details: [{ field: options.field, problem: 'must be an email address for the email channel' }],
    });
  }
  return address;
}

export interface Route {
  channel: Channel;
  to: string;
  /** The steps, each with its destination resolved; null without a workflow. */
  workflow: WorkflowStep[] | null;
}

/** The channel and destination a start sends to first, and its workflow resolved (each step's `to` checked). */
export function resolveRoute(input: {
  to: string;
  country?: string;
  channel?: Channel;
  workflow?: readonly WorkflowStepInput[];
}): Route {
  const steps = input.workflow;
  if (steps === undefined || steps.length === 0) {
    const channel = input.channel ?? 'sms';
    return { channel, to: destinationFor(channel, input.to, { ...input, field: '/to' }), workflow: null };
  }
  const first = steps[0] as WorkflowStepInput;
  if (input.channel !== undefined && input.channel !== first.channel) {
    throw new DomainError('invalid_request', {
      details: [{ field: '/channel', problem: "must be the workflow's first channel, or left out" }],
    });
  }
  const workflow = steps.map((step, index) => ({
    channel: step.channel,
    to: destinationFor(step.channel, step.to ?? input.to, {
      country: input.country,
      field: step.to === undefined ? '/to' : `/workflow/${index}/to`,
    }),
    timeoutSeconds: step.timeoutSeconds ?? DEFAULT_STEP_TIMEOUT_SECONDS,
  }));
  const head = workflow[0] as WorkflowStep;
  return { channel: head.channel, to: head.to, workflow };
}

/** When a step started at `now` gives way to the next; null for the last step. */
export function stepDeadline(workflow: readonly WorkflowStep[] | null, step: number, now: Date): Date | null {
  const current = workflow?.[step];
  if (workflow === null || current === undefined || step >= workflow.length - 1) return null;
  return new Date(now.getTime() + current.timeoutSeconds * 1000);
}

/** Past a step's deadline its code stays good this long, for the sweep that moves the step on to come. */
const STEP_SLACK_MS = 60_000;

/**
 * A code lives its TTL, and past its step's deadline (so the step gives way before the code expires; the next
 * step's code replaces it then).
 */
export function codeExpiry(ttlSeconds: number, deadline: Date | null, now: Date): Date {
  const ttl = new Date(now.getTime() + ttlSeconds * 1000);
  if (deadline === null) return ttl;
  const slack = new Date(deadline.getTime() + STEP_SLACK_MS);
  return slack > ttl ? slack : ttl;
}
