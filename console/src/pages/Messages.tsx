/** Messages: a list by phone, status and period, and a detail with the status timeline and the parts. */
import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { api, call, type paths } from '../api/client';
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

type MessageDetail =
  paths['/admin/api/messages/{id}']['get']['responses'][200]['content']['application/json'];

const STATUSES = ['queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed'] as const;
const FILTERS = ['phone', 'status', 'from', 'to'] as const;

export function Messages() {
  const i18n = useI18n();
  const { messages: m } = i18n;
  const filters = useFilters(FILTERS);
  const [draft, setDraft] = useState(filters.values);
  const { values, cursor } = filters;
  const { data, error, loading } = useLoad(
    () =>
      call(
        api.GET('/admin/api/messages', {
          params: {
            query: {
              ...setOnly({
                phone: values.phone,
                cursor,
                from: startOfDay(values.from),
                to: endOfDay(values.to),
              }),
              ...(values.status === '' ? {} : { status: values.status as (typeof STATUSES)[number] }),
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
    <section aria-labelledby="messages-title">
      <h1 id="messages-title">{m.messages.title}</h1>
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
              <th scope="col">{m.common.status}</th>
              <th scope="col">{m.messages.provider}</th>
              <th scope="col">{m.messages.parts}</th>
              <th scope="col">{m.messages.price}</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((message) => (
              <tr key={message.id}>
                <td>{i18n.dateTime(message.createdAt)}</td>
                <td>
                  <Link to={`/messages/${message.id}`}>
                    <bdi dir="ltr">{message.to}</bdi>
                  </Link>
                </td>
                <td>
                  <StatusBadge status={message.status} />
                </td>
                <td>{message.provider ?? '—'}</td>
                <td>{i18n.number(message.parts)}</td>
                <td>
                  {message.price === null || message.currency === null
                    ? '—'
                    : i18n.money(message.price, message.currency)}
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

/** What a message is and what happened to it: the detail page and every send of a verification show it. */
export function MessageFacts({ message }: { message: MessageDetail }) {
  const i18n = useI18n();
  const { messages: m } = i18n;
  return (
    <>
      <Facts
        rows={[
          [m.messages.text, <q>{message.preview}</q>],
          [m.common.phone, <bdi dir="ltr">{message.to}</bdi>],
          [m.common.status, <StatusBadge status={message.status} />],
          [m.messages.provider, message.provider ?? '—'],
          [m.messages.providerRef, message.providerRef ?? '—'],
          [m.messages.parts, `${i18n.number(message.parts)} (${message.encoding})`],
          [
            m.messages.price,
            message.price === null || message.currency === null
              ? '—'
              : i18n.money(message.price, message.currency),
          ],
          [m.messages.attempts, i18n.number(message.attempts)],
          [
            m.messages.error,
            message.errorCode === null ? '—' : `${message.errorCode}: ${message.errorMessage ?? ''}`,
          ],
        ]}
      />
      <h3>{m.messages.timeline}</h3>
      <ol className="timeline">
        {message.timeline.map((step) => (
          <li key={step.status}>
            <StatusBadge status={step.status} /> <time dateTime={step.at}>{i18n.dateTime(step.at)}</time>
          </li>
        ))}
      </ol>
      {message.partList.length > 0 && (
        <table>
          <caption>{m.messages.partList}</caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">{m.messages.provider}</th>
              <th scope="col">{m.messages.providerRef}</th>
              <th scope="col">{m.common.status}</th>
            </tr>
          </thead>
          <tbody>
            {message.partList.map((part) => (
              <tr key={part.seq}>
                <td>{i18n.number(part.seq)}</td>
                <td>{part.provider}</td>
                <td>{part.ref}</td>
                <td>
                  <StatusBadge status={part.status} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

export function MessageDetailPage() {
  const { messages: m } = useI18n();
  const { id = '' } = useParams();
  const { data, error, loading } = useLoad(
    () => call(api.GET('/admin/api/messages/{id}', { params: { path: { id } } })),
    [id],
  );
  return (
    <section aria-labelledby="message-title">
      <p>
        <Link to="/messages">{m.common.back}</Link>
      </p>
      <h1 id="message-title">{m.messages.detailTitle}</h1>
      <Loading loading={loading} />
      <ErrorNote error={error} />
      {data && (
        <>
          <MessageFacts message={data} />
          {data.verificationId !== null && (
            <p>
              <Link to={`/verifications/${data.verificationId}`}>{m.messages.verification}</Link>
            </p>
          )}
        </>
      )}
    </section>
  );
}
