import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './styles.css';
import { configureApi, api } from './api/client';
import {
  adoptToken,
  adoptTokenFromHash,
  beginSignIn,
  completeSignIn,
  loadConfig,
  session,
  signOut,
  type AppConfig,
} from './auth';
import { marketplaceLabel } from './format';
import { Inbox } from './pages/Inbox';
import { Settings, type SettingsKind } from './pages/Settings';
import { TicketPage } from './pages/Ticket';
import { navigate, onLinkClick, useLocation } from './router';

type DashboardPage = typeof import('./pages/Dashboard').Dashboard;
type FeedbackPage = typeof import('./pages/Feedback').Feedback;
type ClaimsPage = typeof import('./pages/Claims').Claims;

/** The dashboard's chunk, fetched the first time it is shown (the inbox does not carry it). */
function LazyDashboard({ query }: { query: URLSearchParams }) {
  const [page, setPage] = useState<{ Dashboard: DashboardPage } | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    import('./pages/Dashboard').then((m) => setPage({ Dashboard: m.Dashboard }), () => setFailed(true));
  }, []);
  if (failed) return <p class="error" role="alert">The dashboard could not be loaded: reload the page.</p>;
  if (!page) return <p class="muted loading">Loading the dashboard…</p>;
  return <page.Dashboard query={query} />;
}

/** The claims screen's chunk, fetched the first time it is shown. */
function LazyClaims({ id, query }: { id: string | null; query: URLSearchParams }) {
  const [page, setPage] = useState<{ Claims: ClaimsPage } | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    import('./pages/Claims').then((m) => setPage({ Claims: m.Claims }), () => setFailed(true));
  }, []);
  if (failed) return <p class="error" role="alert">The claims screen could not be loaded: reload the page.</p>;
  if (!page) return <p class="muted loading">Loading the claims…</p>;
  return <page.Claims id={id} query={query} />;
}

/** The feedback screen's chunk, fetched the first time it is shown. */
function LazyFeedback({ id, query }: { id: string | null; query: URLSearchParams }) {
  const [page, setPage] = useState<{ Feedback: FeedbackPage } | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    import('./pages/Feedback').then((m) => setPage({ Feedback: m.Feedback }), () => setFailed(true));
  }, []);
  if (failed) return <p class="error" role="alert">The feedback screen could not be loaded: reload the page.</p>;
  if (!page) return <p class="muted loading">Loading the feedback…</p>;
  return <page.Feedback id={id} query={query} />;
}

function SignIn({ config, error }: { config: AppConfig; error?: string | null }) {
  const [token, setToken] = useState('');
  const [bad, setBad] = useState(false);
  return (
    <main class="signin">
      <div class="card">
        <h1>
          <span class="logo" aria-hidden="true">
            m
          </span>{' '}
          marketdesk
        </h1>
        {error ? <p class="error" role="alert">{error}</p> : null}
        {config.oidc ? (
          <button class="btn primary wide" onClick={() => void beginSignIn(config.oidc!)}>
            Sign in
          </button>
        ) : (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              if (adoptToken(token)) navigate('/', true);
              else setBad(true);
            }}
          >
            <p class="muted">
              Open the link <code>make dev</code> prints, or paste a development token (<code>marketdesk token</code>).
            </p>
            <label class="block">
              <span>Token</span>
              <input type="password" value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} />
            </label>
            {bad ? <p class="error">That token is not valid or has expired.</p> : null}
            <button class="btn primary wide">Sign in</button>
          </form>
        )}
      </div>
    </main>
  );
}

function App({ config }: { config: AppConfig }) {
  const { path, query } = useLocation();
  const [signedIn, setSignedIn] = useState(() => session() !== null);
  const [callbackError, setCallbackError] = useState<string | null>(null);
  const [accounts, setAccounts] = useState<Record<string, string>>({});
  const me = session();

  useEffect(() => {
    const out = () => setSignedIn(false);
    window.addEventListener('marketdesk:signed-out', out);
    return () => window.removeEventListener('marketdesk:signed-out', out);
  }, []);

  useEffect(() => {
    if (path === '/callback' && config.oidc) {
      completeSignIn(config.oidc)
        .then((back) => {
          setSignedIn(true);
          navigate(back, true);
        })
        .catch((e: Error) => setCallbackError(e.message));
    }
  }, [path]);

  // Admins see each ticket's marketplace (the account's) beside its channel.
  useEffect(() => {
    if (!signedIn || me?.role !== 'admin') return;
    void api.GET('/v1/admin/accounts').then((r) => {
      if (!r.data) return;
      const map: Record<string, string> = {};
      for (const a of r.data.items) {
        const m = a.marketplace as { id?: string; country?: string } | undefined;
        map[a.id] = marketplaceLabel(a.channel, m?.id) ?? a.display_name;
      }
      setAccounts(map);
    });
  }, [signedIn]);

  useEffect(() => {
    const title = path.startsWith('/tickets/')
      ? 'Ticket'
      : path.startsWith('/settings')
        ? 'Settings'
        : path === '/dashboard'
          ? 'Dashboard'
          : path.startsWith('/feedback')
            ? 'Feedback'
            : path.startsWith('/claims')
              ? 'Claims'
              : 'Inbox';
    document.title = `${title} · marketdesk`;
  }, [path]);

  if (!signedIn || !me) return <SignIn config={config} error={callbackError} />;

  let page;
  const ticket = /^\/tickets\/([^/]+)$/.exec(path);
  const settings = /^\/settings(?:\/(policies|templates|rules|accounts|review-requests))?$/.exec(path);
  const feedback = /^\/feedback(?:\/([^/]+))?$/.exec(path);
  const claims = /^\/claims(?:\/([^/]+))?$/.exec(path);
  if (ticket) page = <TicketPage key={ticket[1]} id={decodeURIComponent(ticket[1]!)} reply={query.get('reply') === '1'} />;
  else if (path === '/dashboard') page = <LazyDashboard query={query} />;
  else if (feedback) page = <LazyFeedback key={feedback[1] ?? ''} id={feedback[1] ? decodeURIComponent(feedback[1]) : null} query={query} />;
  else if (claims) page = <LazyClaims key={claims[1] ?? ''} id={claims[1] ? decodeURIComponent(claims[1]) : null} query={query} />;
  else if (settings) page = <Settings kind={(settings[1] as SettingsKind | undefined) ?? (me.role === 'admin' ? 'policies' : 'review-requests')} isAdmin={me.role === 'admin'} />;
  else page = <Inbox query={query} accounts={accounts} />;

  const section = ticket || path === '/' ? 'inbox' : settings ? 'settings' : path === '/dashboard' ? 'dashboard' : feedback ? 'feedback' : claims ? 'claims' : '';
  return (
    <div class="shell" onClick={onLinkClick}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <nav class="nav" aria-label="Main">
        <a href="/" class="brand">
          <span class="logo" aria-hidden="true">
            m
          </span>
          <span class="brand-name">marketdesk</span>
        </a>
        <a href="/" class={section === 'inbox' ? 'on' : ''} aria-current={section === 'inbox' ? 'page' : undefined}>
          Inbox
        </a>
        <a href="/dashboard" class={section === 'dashboard' ? 'on' : ''} aria-current={section === 'dashboard' ? 'page' : undefined}>
          Dashboard
        </a>
        <a href="/feedback" class={section === 'feedback' ? 'on' : ''} aria-current={section === 'feedback' ? 'page' : undefined}>
          Feedback
        </a>
        <a href="/claims" class={section === 'claims' ? 'on' : ''} aria-current={section === 'claims' ? 'page' : undefined}>
          Claims
        </a>
        <a
          href={me.role === 'admin' ? '/settings/policies' : '/settings/review-requests'}
          class={section === 'settings' ? 'on' : ''}
          aria-current={section === 'settings' ? 'page' : undefined}
        >
          Settings
        </a>
        <span class="spacer" />
        <span class="me" title={`${me.role} of ${me.tenant}`}>
          <span class="avatar">{me.user.slice(0, 2).toUpperCase()}</span>
          <span class="me-name">{me.user}</span>
        </span>
        <button class="btn small secondary" title={`Signed in as ${me.user} (${me.role})`} onClick={() => signOut(config.oidc)}>
          Sign out
        </button>
      </nav>
      <main id="main" class="content">
        {page}
      </main>
    </div>
  );
}

async function start() {
  const config = await loadConfig();
  configureApi(config.apiUrl);
  adoptTokenFromHash();
  render(<App config={config} />, document.getElementById('app')!);
}

void start();
