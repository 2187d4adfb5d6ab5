/** Customers: search by phone, name or email and tenant; a detail where an operator disables or enables one. */
import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { api, call } from '../api/client';
import { ErrorNote, Facts, Loading, Pager, setOnly, useFilters } from '../components/common';
import { useLoad } from '../components/load';
import { useI18n } from '../i18n';

const FILTERS = ['phone', 'text', 'tenant'] as const;

export function Customers() {
  const i18n = useI18n();
  const { messages: m } = i18n;
  const filters = useFilters(FILTERS);
  const [draft, setDraft] = useState(filters.values);
  const { values, cursor } = filters;
  const { data, error, loading } = useLoad(
    () => call(api.GET('/admin/api/customers', { params: { query: setOnly({ ...values, cursor }) } })),
    [JSON.stringify(values), cursor],
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    filters.apply(draft);
  };
  const field = (name: (typeof FILTERS)[number]) => ({
    value: draft[name],
    onChange: (event: { target: { value: string } }) => setDraft({ ...draft, [name]: event.target.value }),
  });

  return (
    <section aria-labelledby="customers-title">
      <h1 id="customers-title">{m.customers.title}</h1>
      <form role="search" className="filters" onSubmit={submit}>
        <label>
          {m.common.phone}
          <input type="search" inputMode="tel" dir="ltr" {...field('phone')} />
        </label>
        <label>
          {m.customers.text}
          <input type="search" {...field('text')} />
        </label>
        <label>
          {m.common.tenant}
          <input type="search" dir="ltr" {...field('tenant')} />
        </label>
        <button type="submit">{m.common.search}</button>
      </form>
      <Loading loading={loading} />
      <ErrorNote error={error} />
      {data && data.items.length === 0 && <p>{m.common.nothingFound}</p>}
      {data && data.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">{m.customers.number}</th>
              <th scope="col">{m.common.name}</th>
              <th scope="col">{m.common.phone}</th>
              <th scope="col">{m.common.email}</th>
              <th scope="col">{m.common.tenant}</th>
              <th scope="col">{m.common.status}</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((customer) => (
              <tr key={customer.id}>
                <td>{i18n.number(customer.number)}</td>
                <td>
                  <Link to={`/customers/${customer.id}`}>
                    {i18n.language === 'ar' && customer.nameAr ? customer.nameAr : customer.nameEn}
                  </Link>
                </td>
                <td>
                  <bdi dir="ltr">{customer.phone}</bdi>
                </td>
                <td>{customer.email}</td>
                <td>{customer.tenant}</td>
                <td>{customer.active ? m.common.active : m.common.disabled}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager next={data?.next} cursor={cursor} goTo={filters.goTo} />
    </section>
  );
}

export function CustomerDetail() {
  const i18n = useI18n();
  const { messages: m } = i18n;
  const { id = '' } = useParams();
  const [actionError, setActionError] = useState<unknown>();
  const { data, error, loading, reload } = useLoad(
    () => call(api.GET('/admin/api/customers/{id}', { params: { path: { id } } })),
    [id],
  );
  const setActive = async (active: boolean) => {
    try {
      await call(api.PATCH('/admin/api/customers/{id}', { params: { path: { id } }, body: { active } }));
      setActionError(undefined);
      reload();
    } catch (failure) {
      setActionError(failure);
    }
  };

  return (
    <section aria-labelledby="customer-title">
      <p>
        <Link to="/customers">{m.common.back}</Link>
      </p>
      <h1 id="customer-title">
        {m.customers.detailTitle} {data?.nameEn}
      </h1>
      <Loading loading={loading} />
      <ErrorNote error={error ?? actionError} />
      {data && (
        <>
          <Facts
            rows={[
              [m.customers.number, i18n.number(data.number)],
              [m.common.name, `${data.nameEn}${data.nameAr ? ` · ${data.nameAr}` : ''}`],
              [m.common.phone, <bdi dir="ltr">{data.phone}</bdi>],
              [m.customers.phoneVerified, data.phoneVerified ? m.common.yes : m.common.no],
              [m.common.email, data.email],
              [m.common.tenant, data.tenant],
              [m.customers.owner, data.ownerClientCode ?? '—'],
              [m.customers.notes, data.notes ?? '—'],
              [m.common.status, data.active ? m.common.active : m.common.disabled],
              [m.common.created, i18n.dateTime(data.createdAt)],
            ]}
          />
          <button type="button" onClick={() => void setActive(!data.active)}>
            {data.active ? m.common.disable : m.common.enable}
          </button>
        </>
      )}
    </section>
  );
}
