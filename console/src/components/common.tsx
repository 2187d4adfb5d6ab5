/** Small pieces every page uses: an error said in the catalogue's words, a pager, a status label. */
import type { ReactNode } from 'react';
import { useSearchParams } from 'react-router';
import { ApiError } from '../api/client';
import { useI18n } from '../i18n';
import type { Messages } from '../i18n/en';

export function ErrorNote({ error }: { error: unknown }) {
  const { messages, fill } = useI18n();
  if (error === undefined) return null;
  const code = error instanceof ApiError ? error.code : 'unknown';
  const known = messages.errors[code as keyof Messages['errors']];
  const text =
    known ?? fill(messages.errors.unknown, { message: String((error as Error)?.message ?? error) });
  return (
    <p role="alert" className="error">
      {code === 'not_available' ? messages.common.notAvailable : text}
    </p>
  );
}

/** The filters of a list, kept in the address so a page can be shared and reloaded. */
export function useFilters<K extends string>(names: readonly K[]) {
  const [params, setParams] = useSearchParams();
  const values = Object.fromEntries(names.map((name) => [name, params.get(name) ?? ''])) as Record<K, string>;
  const cursor = params.get('cursor') ?? undefined;
  return {
    values,
    cursor,
    /** New filters start again from the first page. */
    apply(next: Record<K, string>) {
      const kept = Object.entries(next).filter(([, value]) => value !== '') as [string, string][];
      setParams(new URLSearchParams(kept));
    },
    goTo(nextCursor: string | undefined) {
      const copy = new URLSearchParams(params);
      if (nextCursor === undefined) copy.delete('cursor');
      else copy.set('cursor', nextCursor);
      setParams(copy);
    },
  };
}

/** Only the filters that are set, for a query string. */
export function setOnly<T extends Record<string, string | undefined>>(values: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(values).filter(([, value]) => value !== undefined && value !== ''),
  ) as Partial<T>;
}

/** A date input's day, as the moment it starts in the operator's time zone. */
export const startOfDay = (day: string) => (day === '' ? undefined : new Date(`${day}T00:00`).toISOString());
/** The day after a date input's day: "to" includes the whole day chosen. */
export const endOfDay = (day: string) => {
  if (day === '') return undefined;
  const next = new Date(`${day}T00:00`);
  next.setDate(next.getDate() + 1);
  return next.toISOString();
};

export function Pager({
  next,
  cursor,
  goTo,
}: {
  next: string | null | undefined;
  cursor: string | undefined;
  goTo(cursor: string | undefined): void;
}) {
  const { messages } = useI18n();
  return (
    <nav className="pager" aria-label={messages.common.nextPage}>
      {cursor !== undefined && (
        <button type="button" onClick={() => goTo(undefined)}>
          {messages.common.firstPage}
        </button>
      )}
      {next && (
        <button type="button" onClick={() => goTo(next)}>
          {messages.common.nextPage}
        </button>
      )}
    </nav>
  );
}

export function StatusBadge({ status }: { status: string }) {
  const { messages } = useI18n();
  const label = messages.statuses[status as keyof Messages['statuses']] ?? status;
  return <span className={`badge badge-${status}`}>{label}</span>;
}

export function Facts({ rows }: { rows: [string, ReactNode][] }) {
  return (
    <dl className="facts">
      {rows.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

export function Loading({ loading }: { loading: boolean }) {
  const { messages } = useI18n();
  return loading ? <p aria-live="polite">{messages.common.loading}</p> : null;
}
