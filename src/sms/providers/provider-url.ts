/**
 * Provider URLs (`twilio://sid:token@?from=...`) split by hand: WHATWG URL refuses credentials with an
 * empty host, and a query parsed as a form would turn the '+' of an E.164 number into a space.
 * Errors name the bad part but never repeat the URL, which carries secrets.
 */

export interface ProviderUrl {
  scheme: string;
  username: string;
  password: string;
  /** Whatever sits between the '@' (or '//') and the path; empty in `twilio://sid:token@?...`. */
  host: string;
  path: string;
  params: ProviderUrlParams;
}

const URL_SHAPE = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?$/i;

function decodePart(value: string, what: string, kind: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new Error(`${kind} URL: ${what} is not valid percent-encoding`);
  }
}

export function splitProviderUrl(url: string, kind: string): ProviderUrl {
  const match = URL_SHAPE.exec(url.trim());
  if (!match) throw new Error(`${kind} URL: expected ${kind}://credentials@?parameters`);
  const [, scheme = '', authority = '', path = '', query = ''] = match;
  const at = authority.lastIndexOf('@');
  const userinfo = at === -1 ? '' : authority.slice(0, at);
  const host = at === -1 ? authority : authority.slice(at + 1);
  const colon = userinfo.indexOf(':');
  const rawUser = colon === -1 ? userinfo : userinfo.slice(0, colon);
  const rawPassword = colon === -1 ? '' : userinfo.slice(colon + 1);
  return {
    scheme: scheme.toLowerCase(),
    username: decodePart(rawUser, 'the user name', kind),
    password: decodePart(rawPassword, 'the password', kind),
    host,
    path,
    params: new ProviderUrlParams(query, kind),
  };
}

/** Query parameters of a provider URL: each at most once, and only names the provider knows. */
export class ProviderUrlParams {
  private readonly values = new Map<string, string>();

  constructor(
    query: string,
    private readonly kind: string,
  ) {
    for (const pair of query.split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const name = decodePart(eq === -1 ? pair : pair.slice(0, eq), 'a parameter name', kind);
      const value = decodePart(eq === -1 ? '' : pair.slice(eq + 1), `parameter '${name}'`, kind);
      if (this.values.has(name)) throw new Error(`${kind} URL: parameter '${name}' is given twice`);
      this.values.set(name, value);
    }
  }

  /** Throws on any parameter not in `known` or not accepted by `alsoKnown`: a typo must not silently fall back. */
  onlyKnown(known: readonly string[], alsoKnown: (name: string) => boolean = () => false): void {
    for (const name of this.values.keys()) {
      if (!known.includes(name) && !alsoKnown(name)) {
        throw new Error(`${this.kind} URL: unknown parameter '${name}' (known: ${known.join(', ')})`);
      }
    }
  }

  names(): string[] {
    return [...this.values.keys()];
  }

  optional(name: string): string | undefined {
    const value = this.values.get(name);
    return value === undefined || value === '' ? undefined : value;
  }

  required(name: string): string {
    const value = this.optional(name);
    if (value === undefined) throw new Error(`${this.kind} URL: parameter '${name}' is required`);
    return value;
  }

  /** An http(s) base URL without a trailing slash. */
  httpBase(name: string, fallback: string): string {
    const value = this.optional(name) ?? fallback;
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      throw new Error(`${this.kind} URL: parameter '${name}' is not a URL`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new Error(`${this.kind} URL: parameter '${name}' must be an http or https URL`);
    }
    return value.replace(/\/+$/, '');
  }

  positiveInteger(name: string, fallback: number): number {
    const value = this.optional(name);
    if (value === undefined) return fallback;
    if (!/^[1-9][0-9]*$/.test(value)) {
      throw new Error(`${this.kind} URL: parameter '${name}' must be a positive whole number`);
    }
    return Number(value);
  }
}
