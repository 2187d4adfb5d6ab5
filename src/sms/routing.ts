/**
 * SMS_ROUTES: which providers may carry a message, by destination. `+98=smpp-1;IR=smpp-1,twilio;*=twilio,smpp-1`
 * is a list of routes separated by ';', each a match and the provider names to try in order. A match is a
 * number prefix (`+98`, `+9715`), an ISO alpha-2 country (`IR`), or `*` (the default list, which otherwise is
 * SMS_PROVIDERS' order). The first route that matches, in the order written, decides; a route's list is the whole
 * list for that destination (a country that must go through the local SMSC is not failed over abroad).
 */
import type { SmsProvider } from './provider.js';

export interface SmsRoute<P extends Named = SmsProvider> {
  /** '+digits', a two-letter country, or '*'. */
  match: string;
  providers: readonly P[];
}

export interface SmsRouter<P extends Named = SmsProvider> {
  /** The providers to try for a destination, in order. */
  providersFor(to: string, country: string | undefined): readonly P[];
  readonly routes: readonly SmsRoute<P>[];
}

type Named = Pick<SmsProvider, 'name'>;

const PREFIX = /^\+[0-9]{1,15}$/;
const COUNTRY = /^[A-Z]{2}$/;

/** Throws an Error saying which route is wrong; the caller names the variable. */
export function parseSmsRoutes<P extends Named>(raw: string, providers: readonly P[]): SmsRouter<P> {
  const byName = new Map(providers.map((provider) => [provider.name, provider]));
  const routes: SmsRoute<P>[] = [];
  let fallback: readonly P[] = providers;
  for (const entry of raw.split(';')) {
    const text = entry.trim();
    if (text === '') continue;
    const eq = text.indexOf('=');
    if (eq === -1) throw new Error(`route "${text}" needs match=provider,provider`);
    const match = text.slice(0, eq).trim();
    if (!PREFIX.test(match) && !COUNTRY.test(match) && match !== '*') {
      throw new Error(`route "${text}": "${match}" is not a +prefix, a two-letter country in capitals, or *`);
    }
    const names = text
      .slice(eq + 1)
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '');
    if (names.length === 0) throw new Error(`route "${text}" names no provider`);
    const list = names.map((name) => {
      const provider = byName.get(name);
      if (provider === undefined) {
        throw new Error(
          `route "${text}" names unknown provider "${name}" (known: ${[...byName.keys()].join(', ')})`,
        );
      }
      return provider;
    });
    if (new Set(names).size !== names.length) throw new Error(`route "${text}" names a provider twice`);
    if (routes.some((route) => route.match === match)) throw new Error(`"${match}" is routed twice`);
    if (match === '*') fallback = list;
    routes.push({ match, providers: list });
  }
  return {
    routes,
    providersFor(to, country) {
      for (const route of routes) {
        if (route.match === '*') continue;
        if (route.match.startsWith('+') ? to.startsWith(route.match) : route.match === country) {
          return route.providers;
        }
      }
      return fallback;
    },
  };
}
