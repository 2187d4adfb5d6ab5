/** The console: the sign-in form until a session exists, then the sections behind one navigation. */
import { useEffect, useState, type FormEvent } from 'react';
import { BrowserRouter, NavLink, Route, Routes } from 'react-router';
import { api, call, SIGNED_OUT_EVENT } from './api/client';
import { ErrorNote } from './components/common';
import { useI18n, type Language } from './i18n';
import { Clients } from './pages/Clients';
import { CustomerDetail, Customers } from './pages/Customers';
import { Events, Fraud } from './pages/Fraud';
import { MessageDetailPage, Messages } from './pages/Messages';
import { Overview } from './pages/Overview';
import { VerificationDetail, Verifications } from './pages/Verifications';

function LanguageButton() {
  const { messages, setLanguage } = useI18n();
  const next = messages.language.switchToLang as Language;
  return (
    <button type="button" lang={next} onClick={() => setLanguage(next)}>
      {messages.language.switchTo}
    </button>
  );
}

function SignIn({ onSignedIn }: { onSignedIn(): void }) {
  const { messages: m } = useI18n();
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      await call(api.POST('/admin/api/session', { body: { key } }));
      setKey('');
      onSignedIn();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="sign-in">
      <header className="bar">
        <span className="brand">{m.appName}</span>
        <LanguageButton />
      </header>
      <form onSubmit={(event) => void submit(event)} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">{m.signIn.title}</h1>
        <label>
          {m.signIn.adminKey}
          <input
            type="password"
            autoComplete="current-password"
            dir="ltr"
            required
            value={key}
            onChange={(event) => setKey(event.target.value)}
          />
        </label>
        <p className="hint">{m.signIn.hint}</p>
        <button type="submit" disabled={busy}>
          {m.signIn.submit}
        </button>
        <ErrorNote error={error} />
      </form>
    </main>
  );
}

function Shell({ onSignedOut }: { onSignedOut(): void }) {
  const { messages: m } = useI18n();
  const signOut = async () => {
    await call(api.DELETE('/admin/api/session', {}));
    onSignedOut();
  };
  const links = [
    ['/', m.nav.overview],
    ['/verifications', m.nav.verifications],
    ['/messages', m.nav.messages],
    ['/customers', m.nav.customers],
    ['/clients', m.nav.clients],
    ['/fraud', m.nav.fraud],
    ['/events', m.nav.events],
  ] as const;
  return (
    <>
      <header className="bar">
        <span className="brand">{m.appName}</span>
        <nav aria-label={m.nav.label}>
          <ul>
            {links.map(([to, label]) => (
              <li key={to}>
                <NavLink to={to} end={to === '/'}>
                  {label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <LanguageButton />
        <button type="button" onClick={() => void signOut()}>
          {m.signIn.signOut}
        </button>
      </header>
      <main>
        <Routes>
          <Route path="/" element={<Overview />} />
          <Route path="/verifications" element={<Verifications />} />
          <Route path="/verifications/:id" element={<VerificationDetail />} />
          <Route path="/messages" element={<Messages />} />
          <Route path="/messages/:id" element={<MessageDetailPage />} />
          <Route path="/customers" element={<Customers />} />
          <Route path="/customers/:id" element={<CustomerDetail />} />
          <Route path="/clients" element={<Clients />} />
          <Route path="/fraud" element={<Fraud />} />
          <Route path="/events" element={<Events />} />
          <Route path="*" element={<Overview />} />
        </Routes>
      </main>
    </>
  );
}

export function App() {
  const [signedIn, setSignedIn] = useState<boolean>();
  useEffect(() => {
    call(api.GET('/admin/api/session', {})).then(
      () => setSignedIn(true),
      () => setSignedIn(false),
    );
    const signedOut = () => setSignedIn(false);
    window.addEventListener(SIGNED_OUT_EVENT, signedOut);
    return () => window.removeEventListener(SIGNED_OUT_EVENT, signedOut);
  }, []);
  if (signedIn === undefined) return null;
  return (
    <BrowserRouter basename="/admin">
      {signedIn ? (
        <Shell onSignedOut={() => setSignedIn(false)} />
      ) : (
        <SignIn onSignedIn={() => setSignedIn(true)} />
      )}
    </BrowserRouter>
  );
}
