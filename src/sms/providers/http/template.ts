/** Filling `{to}`, `{toDigits}`, `{text}`, `{id}`, `{from}` into a URL or body, escaped for where they land. */
import { TEMPLATE_PLACEHOLDERS, type TemplatePlaceholder } from './wire.js';

export type TemplateEscaping = 'url' | 'json' | 'form' | 'none';

/** A word in braces; JSON's own braces (`{"to": ...}`) never match, as a quote is not a word character. */
const PLACEHOLDER = /\{([A-Za-z]+)\}/g;

function isPlaceholder(name: string): name is TemplatePlaceholder {
  return (TEMPLATE_PLACEHOLDERS as readonly string[]).includes(name);
}

/** The first unknown placeholder in a template, to refuse a config with a typo before any message is sent. */
export function unknownPlaceholder(template: string): string | undefined {
  for (const [, name = ''] of template.matchAll(PLACEHOLDER)) {
    if (!isPlaceholder(name)) return name;
  }
  return undefined;
}

function escape(value: string, escaping: TemplateEscaping): string {
  switch (escaping) {
    case 'url':
    case 'form':
      return encodeURIComponent(value);
    case 'json':
      // The inside of a JSON string literal: quotes, backslashes and control characters escaped.
      return JSON.stringify(value).slice(1, -1);
    case 'none':
      return value;
  }
}

/** One pass, so a text that itself contains "{id}" is not filled in again. */
export function fillTemplate(
  template: string,
  values: Readonly<Record<TemplatePlaceholder, string>>,
  escaping: TemplateEscaping,
): string {
  return template.replace(PLACEHOLDER, (whole, name: string) =>
    isPlaceholder(name) ? escape(values[name], escaping) : whole,
  );
}
