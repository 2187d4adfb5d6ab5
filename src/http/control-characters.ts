/**
 * One rule for control characters in every face's input, checked before validation: PostgreSQL refuses
 * NUL in text (a 500 before this rule), and other control characters in a name, a phone or an id only hide
 * what a log line or an operator's screen shows. Body strings may hold tab, CR and LF (an address, a note);
 * query values, path parameters and keys hold none, nor DEL.
 */
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../domain/errors.js';

// eslint-disable-next-line no-control-regex -- control characters are what this finds
const IN_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
// eslint-disable-next-line no-control-regex -- control characters are what this finds
const IN_IDENTIFIER = /[\u0000-\u001F\u007F]/;

/** The JSON-pointer-ish path of the first string (or key) holding a refused character, if any. */
export function firstControlCharacter(value: unknown, allowLineBreaks: boolean): string | undefined {
  const refused = allowLineBreaks ? IN_TEXT : IN_IDENTIFIER;
  // A loop over a stack, not recursion: a deeply nested body must not overflow the call stack.
  const pending: { value: unknown; path: string }[] = [{ value, path: '' }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value: current, path } = next;
    if (typeof current === 'string') {
      if (refused.test(current)) return path || '/';
    } else if (Array.isArray(current)) {
      current.forEach((item, index) => pending.push({ value: item, path: `${path}/${index}` }));
    } else if (typeof current === 'object' && current !== null && !Buffer.isBuffer(current)) {
      for (const [key, item] of Object.entries(current)) {
        // Keys are names, never text.
        if (IN_IDENTIFIER.test(key))
          return `${path}/${[...key].map((c) => (IN_IDENTIFIER.test(c) ? '?' : c)).join('')}`;
        pending.push({ value: item, path: `${path}/${key}` });
      }
    }
  }
  return undefined;
}

const PROBLEM = 'holds a control character';

/** A preValidation hook: registered once at the root, every face inherits it and refuses in its own shape. */
export async function refuseControlCharacters(request: FastifyRequest): Promise<void> {
  const sources = [
    { context: 'params', value: request.params, allowLineBreaks: false },
    { context: 'querystring', value: request.query, allowLineBreaks: false },
    { context: 'body', value: request.body, allowLineBreaks: true },
  ];
  for (const { context, value, allowLineBreaks } of sources) {
    const path = firstControlCharacter(value, allowLineBreaks);
    if (path !== undefined) {
      const field = context === 'body' ? path : `${context}:${path}`;
      throw new DomainError('invalid_request', { details: [{ field, problem: PROBLEM }] });
    }
  }
}
