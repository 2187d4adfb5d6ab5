/** Verifications: search by phone, status, purpose, client and period; a detail with every send and check. */
import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { api, call } from '../api/client';
import {
  endOfDay,
  ErrorNote,
  Facts,
  Loading,
  Pager,
  setOnly,
  startOfDay,
  StatusBadge,
  useFilters,
} from '../components/common';
import { useLoad } from '../components/load';
import { useI18n } from '../i18n';
import type { Messages } from '../i18n/en';
import { MessageFacts } from './Messages';

const STATUSES = ['pending', 'approved', 'canceled', 'expired', 'max_attempts_reached'] as const;
const PURPOSES = ['signup', 'login', 'phone_change', 'generic'] as const;
const FILTERS = ['phone', 'status', 'purpose', 'client', 'from', 'to'] as const;

export function Verifications() {
  const i18n = useI18n();
  const { messages: m } = i18n;
  const filters = useFilters(FILTERS);
  const [draft, setDraft] = useState(filters.values);
  const { values, cursor } = filters;
  const { data, error, loading } = useLoad(
    () =>
      call(
        api.GET('/admin/api/verifications', {
          params: {
            query: {
              ...setOnly({ phone: values.phone, client: values.client, cursor }),
              ...(values.status === '' ? {} : { status: values.status as (typeof STATUSES)[number] }),
              ...(values.purpose === '' ? {} : { purpose: values.purpose as (typeof PURPOSES)[number] }),
              ...setOnly({ from: startOfDay(values.from), to: endOfDay(values.to) }),
            },
          },
        }),
      ),
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
    <section aria-labelledby="verifications-title">
      <h1 id="verifications-title">{m.verifications.title}</h1>
      <form role="search" className="filters" onSubmit={submit}>
        <label>
          {m.common.phone}
          <input type="search" inputMode="tel" dir="ltr" {...field('phone')} />
        </label>
        <label>
          {m.common.status}
          <select {...field('status')}>
            <option value="">{m.common.any}</option>
            {STATUSES.map((status) => (
              <option key={status} value={status}>
                {m.statuses[status]}
              </option>
            ))}
          </select>
        </label>
        <label>
          {m.common.purpose}
          <select {...field('purpose')}>
            <option value="">{m.common.any}</option>
            {PURPOSES.map((purpose) => (
              <option key={purpose} value={purpose}>
                {m.purposes[purpose]}
              </option>
            ))}
          </select>
        </label>
        <label>
          {m.common.client}
          <input type="search" dir="ltr" {...field('client')} />
        </label>
        <label>
          {m.common.from}
          <input type="date" {...field('from')} />
        </label>
        <label>
          {m.common.to}
          <input type="date" {...field('to')} />
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
              <th scope="col">{m.common.created}</th>
              <th scope="col">{m.common.phone}</th>
              <th scope="col">{m.common.purpose}</th>
              <th scope="col">{m.common.channel}</th>
              <th scope="col">{m.common.status}</th>
              <th scope="col">{m.common.client}</th>
              <th scope="col">{m.verifications.sends}</th>
              <th scope="col">{m.verifications.checks}</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((v) => (
              <tr key={v.id}>
                <td>{i18n.dateTime(v.createdAt)}</td>
                <td>
                  <Link to={`/verifications/${v.id}`}>
                    <bdi dir="ltr">{v.to}</bdi>
                  </Link>
                </td>
                <td>{m.purposes[v.purpose]}</td>
                <td>{m.channels[v.channel]}</td>
                <td>
                  <StatusBadge status={v.status} />
                </td>
                <td>{v.clientCode ?? '—'}</td>
                <td>{i18n.number(v.sends)}</td>
                <td>
                  {i18n.number(v.checks)} / {i18n.number(v.maxChecks)}
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

export function VerificationDetail() {
  const i18n = useI18n();
  const { messages: m } = i18n;
  const { id = '' } = useParams();
  const { data, error, loading } = useLoad(
    () => call(api.GET('/admin/api/verifications/{id}', { params: { path: { id } } })),
    [id],
  );
  const resultLabel = (result: string) => m.checkResults[result as keyof Messages['checkResults']] ?? result;

  return (
    <section aria-labelledby="verification-title">
      <p>
        <Link to="/verifications">{m.common.back}</Link>
      </p>
      <h1 id="verification-title">
        {m.verifications.detailTitle} <bdi dir="ltr">{data?.to}</bdi>
      </h1>
      <Loading loading={loading} />
      <ErrorNote error={error} />
      {data && (
        <>
          <Facts
            rows={[
              [m.common.phone, <bdi dir="ltr">{data.to}</bdi>],
              [m.common.status, <StatusBadge status={data.status} />],
              [m.common.purpose, m.purposes[data.purpose]],
              [m.common.channel, m.channels[data.channel]],
              [m.verifications.locale, data.locale],
              [m.common.client, data.clientCode ?? '—'],
              [m.common.tenant, data.tenant],
              [
                m.verifications.customer,
                data.customerId === null ? (
                  '—'
                ) : (
                  <Link to={`/customers/${data.customerId}`}>{data.customerId}</Link>
                ),
              ],
              [m.verifications.checks, `${i18n.number(data.checks)} / ${i18n.number(data.maxChecks)}`],
              [m.common.created, i18n.dateTime(data.createdAt)],
              [m.verifications.expires, i18n.dateTime(data.expiresAt)],
              [m.verifications.approvedAt, i18n.dateTime(data.approvedAt)],
            ]}
          />
          <h2>{m.verifications.sendsTitle}</h2>
          {data.messages.length === 0 && <p>{m.verifications.testSend}</p>}
          {data.messages.map((message) => (
            <article
              key={message.id}
              className="card"
              aria-label={`${m.messages.detailTitle} ${i18n.dateTime(message.createdAt)}`}
            >
              <MessageFacts message={message} />
            </article>
          ))}
          <h2>{m.verifications.checksTitle}</h2>
          {data.checkList.length === 0 ? (
            <p>{m.verifications.noChecks}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">{m.verifications.at}</th>
                  <th scope="col">{m.verifications.checkResult}</th>
                </tr>
              </thead>
              <tbody>
                {data.checkList.map((check, index) => (
                  <tr key={index}>
                    <td>{i18n.dateTime(check.at)}</td>
                    <td>{resultLabel(check.result)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
