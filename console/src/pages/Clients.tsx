/**
 * API clients: create one (its key shown once), rotate a key (the new one shown once), disable or enable,
 * the countries each may text (geo permissions), and its tenant's codes today against the day's budget.
 */
import { useState, type FormEvent } from 'react';
import { api, call } from '../api/client';
import { ErrorNote, Loading, Pager, useFilters } from '../components/common';
import { useLoad } from '../components/load';
import { useI18n } from '../i18n';

export function Clients() {
  const i18n = useI18n();
  const { messages: m } = i18n;
  const filters = useFilters([] as const);
  const { cursor } = filters;
  const [form, setForm] = useState({ code: '', name: '', tenant: '' });
  const [shown, setShown] = useState<{ code: string; key: string }>();
  const [actionError, setActionError] = useState<unknown>();
  const { data, error, loading, reload } = useLoad(
    () => call(api.GET('/admin/api/clients', { params: { query: cursor === undefined ? {} : { cursor } } })),
    [cursor],
  );

  const act = async (work: () => Promise<void>) => {
    try {
      await work();
      setActionError(undefined);
      reload();
    } catch (failure) {
      setActionError(failure);
    }
  };
  const create = (event: FormEvent) => {
    event.preventDefault();
    void act(async () => {
      const body = {
        code: form.code,
        ...(form.name === '' ? {} : { name: form.name }),
        ...(form.tenant === '' ? {} : { tenant: form.tenant }),
      };
      const created = await call(api.POST('/admin/api/clients', { body }));
      setShown({ code: created.client.code, key: created.key });
      setForm({ code: '', name: '', tenant: '' });
    });
  };
  const rotate = (code: string) =>
    act(async () => {
      const rotated = await call(
        api.POST('/admin/api/clients/{code}/rotate', { params: { path: { code } } }),
      );
      setShown({ code, key: rotated.key });
    });
  const [countries, setCountries] = useState<Record<string, string>>({});
  const saveCountries = (code: string) =>
    act(async () => {
      const raw = (countries[code] ?? '').trim();
      const list = raw === '' ? null : raw.split(',').map((country) => country.trim());
      await call(
        api.PATCH('/admin/api/clients/{code}', { params: { path: { code } }, body: { countries: list } }),
      );
    });
  const setActive = (code: string, active: boolean) =>
    act(async () => {
      await call(api.PATCH('/admin/api/clients/{code}', { params: { path: { code } }, body: { active } }));
    });

  return (
    <section aria-labelledby="clients-title">
      <h1 id="clients-title">{m.clients.title}</h1>
      {shown && (
        <div role="status" className="key-once">
          <p>{i18n.fill(m.clients.keyOnce, { code: shown.code })}</p>
          <output aria-label={m.clients.newKey} dir="ltr">
            {shown.key}
          </output>
        </div>
      )}
      <ErrorNote error={error ?? actionError} />
      <form className="filters" onSubmit={create} aria-label={m.clients.create}>
        <label>
          {m.clients.code}
          <input
            required
            pattern="[A-Za-z0-9_.\-]{1,64}"
            dir="ltr"
            value={form.code}
            onChange={(e) => setForm({ ...form, code: e.target.value })}
          />
        </label>
        <label>
          {m.common.name}
          <input value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
        </label>
        <label>
          {m.common.tenant}
          <input
            pattern="[A-Za-z0-9_.\-]{1,64}"
            dir="ltr"
            value={form.tenant}
            onChange={(e) => setForm({ ...form, tenant: e.target.value })}
          />
        </label>
        <button type="submit">{m.clients.create}</button>
      </form>
      <Loading loading={loading} />
      {data && (
        <table>
          <thead>
            <tr>
              <th scope="col">{m.clients.code}</th>
              <th scope="col">{m.common.name}</th>
              <th scope="col">{m.common.tenant}</th>
              <th scope="col">{m.common.status}</th>
              <th scope="col">{m.clients.countries}</th>
              <th scope="col">{m.clients.sentToday}</th>
              <th scope="col">{m.common.created}</th>
              <th scope="col">{m.common.actions}</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((client) => (
              <tr key={client.id}>
                <th scope="row" dir="ltr">
                  {client.code}
                </th>
                <td>{client.name}</td>
                <td>{client.tenant}</td>
                <td>{client.active ? m.common.active : m.common.disabled}</td>
                <td>
                  <form
                    className="inline"
                    onSubmit={(event) => {
                      event.preventDefault();
                      void saveCountries(client.code);
                    }}
                  >
                    <input
                      aria-label={i18n.fill(m.clients.countriesOf, { code: client.code })}
                      title={i18n.fill(m.clients.countriesHint, {
                        default: (client.defaultCountries ?? []).join(','),
                      })}
                      dir="ltr"
                      size={12}
                      value={countries[client.code] ?? (client.countries ?? []).join(',')}
                      placeholder={(client.defaultCountries ?? []).join(',')}
                      onChange={(e) => setCountries({ ...countries, [client.code]: e.target.value })}
                    />
                    <button type="submit" aria-label={`${m.clients.save} ${client.code}`}>
                      {m.clients.save}
                    </button>
                  </form>
                </td>
                <td>
                  {i18n.fill(m.clients.ofBudget, {
                    sent: i18n.number(client.sentToday ?? 0),
                    budget: i18n.number(client.sendsPerDay ?? 0),
                  })}
                </td>
                <td>{i18n.dateTime(client.createdAt ?? null)}</td>
                <td className="actions">
                  <button
                    type="button"
                    aria-label={`${m.clients.rotate} ${client.code}`}
                    onClick={() => void rotate(client.code)}
                  >
                    {m.clients.rotate}
                  </button>
                  <button
                    type="button"
                    aria-label={`${client.active ? m.common.disable : m.common.enable} ${client.code}`}
                    onClick={() => void setActive(client.code, !client.active)}
                  >
                    {client.active ? m.common.disable : m.common.enable}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager next={data?.next} cursor={cursor} goTo={filters.goTo} />
    </section>
  );
}
