/**
 * The SMS-pumping guard's prefixes: those blocked (by the guard, with its reason and figures, or by hand),
 * block and unblock by hand, and the safe list. Where the guard is not built in, the API says so and so does this page.
 */
import { useState, type FormEvent } from 'react';
import { api, call } from '../api/client';
import { ErrorNote, Loading } from '../components/common';
import { useLoad } from '../components/load';
import { useI18n } from '../i18n';

const digitsOf = (prefix: string) => prefix.replace(/\D/g, '');

function Figures({ figures }: { figures: Record<string, number | string> }) {
  const i18n = useI18n();
  return (
    <ul className="figures">
      {Object.entries(figures).map(([name, value]) => (
        <li key={name}>
          {name}: {typeof value === 'number' ? i18n.number(value) : value}
        </li>
      ))}
    </ul>
  );
}

export function Fraud() {
  const i18n = useI18n();
  const { messages: m } = i18n;
  const [block, setBlock] = useState({ prefix: '', reason: '' });
  const [safe, setSafe] = useState({ prefix: '', note: '' });
  const [actionError, setActionError] = useState<unknown>();
  const blocked = useLoad(() => call(api.GET('/admin/api/fraud/blocked-prefixes', {})), []);
  const safeList = useLoad(() => call(api.GET('/admin/api/fraud/safe-list', {})), []);

  const act = async (work: () => Promise<unknown>) => {
    try {
      await work();
      setActionError(undefined);
      blocked.reload();
      safeList.reload();
    } catch (failure) {
      setActionError(failure);
    }
  };
  const submitBlock = (event: FormEvent) => {
    event.preventDefault();
    void act(async () => {
      await call(api.POST('/admin/api/fraud/blocked-prefixes', { body: block }));
      setBlock({ prefix: '', reason: '' });
    });
  };
  const submitSafe = (event: FormEvent) => {
    event.preventDefault();
    void act(async () => {
      await call(
        api.POST('/admin/api/fraud/safe-list', { body: { prefix: safe.prefix, note: safe.note || null } }),
      );
      setSafe({ prefix: '', note: '' });
    });
  };

  return (
    <section aria-labelledby="fraud-title">
      <h1 id="fraud-title">{m.fraud.title}</h1>
      <ErrorNote error={actionError} />
      <h2>{m.fraud.blocked}</h2>
      <Loading loading={blocked.loading} />
      <ErrorNote error={blocked.error} />
      {blocked.data && (
        <>
          <form className="filters" onSubmit={submitBlock} aria-label={m.fraud.block}>
            <label>
              {m.fraud.prefix}
              <input
                required
                pattern="\+[0-9]{1,15}"
                dir="ltr"
                placeholder="+88170"
                value={block.prefix}
                onChange={(e) => setBlock({ ...block, prefix: e.target.value })}
              />
            </label>
            <label>
              {m.fraud.reason}
              <input
                required
                value={block.reason}
                onChange={(e) => setBlock({ ...block, reason: e.target.value })}
              />
            </label>
            <button type="submit">{m.fraud.block}</button>
          </form>
          <table>
            <thead>
              <tr>
                <th scope="col">{m.fraud.prefix}</th>
                <th scope="col">{m.fraud.reason}</th>
                <th scope="col">{m.fraud.source}</th>
                <th scope="col">{m.fraud.figures}</th>
                <th scope="col">{m.fraud.since}</th>
                <th scope="col">{m.fraud.until}</th>
                <th scope="col">{m.common.actions}</th>
              </tr>
            </thead>
            <tbody>
              {blocked.data.items.map((row) => (
                <tr key={`${row.prefix} ${row.reason}`}>
                  <th scope="row" dir="ltr">
                    {row.prefix}
                  </th>
                  <td>{row.reason}</td>
                  <td>{row.source}</td>
                  <td>
                    <Figures figures={row.figures} />
                  </td>
                  <td>{i18n.dateTime(row.blockedAt)}</td>
                  <td>{i18n.dateTime(row.until)}</td>
                  <td>
                    <button
                      type="button"
                      aria-label={`${m.fraud.unblock} ${row.prefix}`}
                      onClick={() =>
                        void act(() =>
                          call(
                            api.DELETE('/admin/api/fraud/blocked-prefixes/{digits}', {
                              params: { path: { digits: digitsOf(row.prefix) } },
                            }),
                          ),
                        )
                      }
                    >
                      {m.fraud.unblock}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <h2>{m.fraud.safeList}</h2>
      <Loading loading={safeList.loading} />
      <ErrorNote error={safeList.error} />
      {safeList.data && (
        <>
          <form className="filters" onSubmit={submitSafe} aria-label={m.fraud.addSafe}>
            <label>
              {m.fraud.prefix}
              <input
                required
                pattern="\+[0-9]{1,15}"
                dir="ltr"
                value={safe.prefix}
                onChange={(e) => setSafe({ ...safe, prefix: e.target.value })}
              />
            </label>
            <label>
              {m.fraud.note}
              <input value={safe.note} onChange={(e) => setSafe({ ...safe, note: e.target.value })} />
            </label>
            <button type="submit">{m.fraud.addSafe}</button>
          </form>
          <ul>
            {safeList.data.items.map((row) => (
              <li key={row.prefix}>
                <bdi dir="ltr">{row.prefix}</bdi> {row.note ?? ''}{' '}
                <button
                  type="button"
                  aria-label={`${m.fraud.removeSafe} ${row.prefix}`}
                  onClick={() =>
                    void act(() =>
                      call(
                        api.DELETE('/admin/api/fraud/safe-list/{digits}', {
                          params: { path: { digits: digitsOf(row.prefix) } },
                        }),
                      ),
                    )
                  }
                >
                  {m.fraud.removeSafe}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

export function Events() {
  const i18n = useI18n();
  const { messages: m } = i18n;
  const [draft, setDraft] = useState({ type: '', phone: '' });
  const [filter, setFilter] = useState(draft);
  const [cursor, setCursor] = useState<string>();
  const { data, error, loading } = useLoad(
    () =>
      call(
        api.GET('/admin/api/events', {
          params: {
            query: {
              ...(filter.type === '' ? {} : { type: filter.type }),
              ...(filter.phone === '' ? {} : { phone: filter.phone }),
              ...(cursor === undefined ? {} : { cursor }),
            },
          },
        }),
      ),
    [filter.type, filter.phone, cursor],
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setCursor(undefined);
    setFilter(draft);
  };
  return (
    <section aria-labelledby="events-title">
      <h1 id="events-title">{m.events.title}</h1>
      <form role="search" className="filters" onSubmit={submit}>
        <label>
          {m.events.type}
          <input
            type="search"
            dir="ltr"
            value={draft.type}
            onChange={(e) => setDraft({ ...draft, type: e.target.value })}
          />
        </label>
        <label>
          {m.common.phone}
          <input
            type="search"
            inputMode="tel"
            dir="ltr"
            value={draft.phone}
            onChange={(e) => setDraft({ ...draft, phone: e.target.value })}
          />
        </label>
        <button type="submit">{m.common.search}</button>
      </form>
      <Loading loading={loading} />
      <ErrorNote error={error} />
      {data && (
        <table>
          <thead>
            <tr>
              <th scope="col">{m.verifications.at}</th>
              <th scope="col">{m.events.type}</th>
              <th scope="col">{m.common.phone}</th>
              <th scope="col">{m.common.client}</th>
              <th scope="col">{m.events.details}</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((event) => (
              <tr key={event.id}>
                <td>{i18n.dateTime(event.at)}</td>
                <td>{event.type}</td>
                <td>
                  <bdi dir="ltr">{event.subject ?? '—'}</bdi>
                </td>
                <td>{event.clientCode ?? '—'}</td>
                <td>
                  <bdi dir="ltr">{event.summary}</bdi>
                  <Figures figures={event.figures} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data?.next && (
        <button type="button" onClick={() => setCursor(data.next ?? undefined)}>
          {m.common.nextPage}
        </button>
      )}
    </section>
  );
}
