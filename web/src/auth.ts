// Who the browser is signed in as. Two ways in:
// - the local stack prints `http://127.0.0.1:8080/#token=…` (a development token);
// - deployed, `config.json` names an OIDC issuer: sign-in with the authorization code flow and
//   PKCE (S256) as a public client — no client secret exists in the bundle or the config.
// The token lives in memory and in sessionStorage (this tab only) together with its expiry; an
// expired one is removed on read. Nothing is ever written to localStorage.

export interface OidcConfig {
  /** The hosted UI's authorize endpoint, e.g. https://auth.example.com/oauth2/authorize */
  authorizeUrl: string;
  /** Its token endpoint, e.g. https://auth.example.com/oauth2/token */
  tokenUrl: string;
  clientId: string;
  scope?: string;
  /** Where the issuer sends the browser back; default: this origin + /callback */
  redirectUri?: string;
  /** The hosted UI's logout endpoint (optional). */
  logoutUrl?: string;
}

export interface AppConfig {
  /** Base URL of the API ("" = this origin, as on the local stack). */
  apiUrl: string;
  oidc: OidcConfig | null;
}

export interface Session {
  token: string;
  user: string;
  tenant: string;
  role: string;
  /** Expiry, milliseconds since the epoch. */
  expiresAt: number;
}

const KEY = 'marketdesk.session';
const PKCE_KEY = 'marketdesk.pkce';

/** The claims of a JWT, unverified (the API verifies it; the UI only reads who and until when). */
export function jwtClaims(token: string): Record<string, unknown> | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
    const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** A session from a token: its user, tenant, role and expiry; null when unreadable or expired. */
export function sessionFromToken(token: string, now: number): Session | null {
  const c = jwtClaims(token);
  if (!c) return null;
  const exp = typeof c.exp === 'number' ? c.exp * 1000 : 0;
  if (exp <= now) return null;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    token,
    user: str(c['cognito:username']) || str(c.sub) || 'agent',
    tenant: str(c['custom:tenant']) || str(c.tenant),
    role: str(c['custom:role']) || str(c.role) || 'agent',
    expiresAt: exp,
  };
}

let current: Session | null = null;
let expiryTimer: ReturnType<typeof setTimeout> | undefined;

function remember(session: Session | null) {
  current = session;
  clearTimeout(expiryTimer);
  if (session) {
    sessionStorage.setItem(KEY, session.token);
    expiryTimer = setTimeout(() => signOutLocally(), Math.max(0, session.expiresAt - Date.now()));
  } else {
    sessionStorage.removeItem(KEY);
  }
}

function signOutLocally() {
  remember(null);
  window.dispatchEvent(new Event('marketdesk:signed-out'));
}

/** The signed-in session, if any (expired tokens are dropped here). */
export function session(): Session | null {
  if (current && current.expiresAt > Date.now()) return current;
  const stored = sessionStorage.getItem(KEY);
  const s = stored ? sessionFromToken(stored, Date.now()) : null;
  remember(s);
  return s;
}

/** Takes a development token from `#token=…` and removes it from the address bar. */
export function adoptTokenFromHash(): boolean {
  const m = /[#&]token=([^&]+)/.exec(window.location.hash);
  if (!m?.[1]) return false;
  const s = sessionFromToken(decodeURIComponent(m[1]), Date.now());
  history.replaceState(null, '', window.location.pathname + window.location.search);
  if (s) remember(s);
  return s !== null;
}

/** Uses a pasted token (the sign-in page of the local stack). */
export function adoptToken(token: string): boolean {
  const s = sessionFromToken(token.trim(), Date.now());
  if (s) remember(s);
  return s !== null;
}

const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** PKCE: a random verifier and its S256 challenge (RFC 7636). */
export async function pkcePair(): Promise<{ verifier: string; challenge: string }> {
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return { verifier, challenge: b64url(new Uint8Array(digest)) };
}

const redirectUri = (oidc: OidcConfig) => oidc.redirectUri ?? `${window.location.origin}/callback`;

/** Sends the browser to the issuer's sign-in page. */
export async function beginSignIn(oidc: OidcConfig): Promise<void> {
  const { verifier, challenge } = await pkcePair();
  const state = b64url(crypto.getRandomValues(new Uint8Array(16)));
  const back = window.location.pathname === '/callback' ? '/' : window.location.pathname;
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state, back }));
  const url = new URL(oidc.authorizeUrl);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: oidc.clientId,
    redirect_uri: redirectUri(oidc),
    scope: oidc.scope ?? 'openid email profile',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  window.location.assign(url.toString());
}

/** On `/callback?code=…&state=…`: exchanges the code (with the verifier) for tokens. */
export async function completeSignIn(oidc: OidcConfig): Promise<string> {
  const params = new URLSearchParams(window.location.search);
  const saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? 'null') as
    | { verifier: string; state: string; back: string }
    | null;
  sessionStorage.removeItem(PKCE_KEY);
  const code = params.get('code');
  if (params.get('error')) throw new Error(params.get('error_description') ?? params.get('error') ?? 'sign-in failed');
  if (!code || !saved || params.get('state') !== saved.state) throw new Error('the sign-in answer does not match this browser');
  const res = await fetch(oidc.tokenUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: oidc.clientId,
      code,
      redirect_uri: redirectUri(oidc),
      code_verifier: saved.verifier,
    }),
  });
  if (!res.ok) throw new Error(`the issuer refused the sign-in (${res.status})`);
  const body = (await res.json()) as { id_token?: string; access_token?: string };
  // API Gateway's JWT authorizer checks `aud` against the client id: the ID token carries it
  // and the tenant/role claims.
  const token = body.id_token ?? body.access_token;
  if (!token || !adoptToken(token)) throw new Error('the issuer returned no usable token');
  return saved.back || '/';
}

export function signOut(oidc: OidcConfig | null) {
  remember(null);
  if (oidc?.logoutUrl) {
    const url = new URL(oidc.logoutUrl);
    url.searchParams.set('client_id', oidc.clientId);
    url.searchParams.set('logout_uri', window.location.origin + '/');
    window.location.assign(url.toString());
  } else {
    window.location.assign('/');
  }
}

export async function loadConfig(): Promise<AppConfig> {
  try {
    const res = await fetch('/config.json', { cache: 'no-store' });
    if (res.ok) {
      const c = (await res.json()) as Partial<AppConfig>;
      const oidc = c.oidc?.authorizeUrl && c.oidc.tokenUrl && c.oidc.clientId ? c.oidc : null;
      return { apiUrl: (c.apiUrl ?? '').replace(/\/$/, ''), oidc };
    }
  } catch {
    /* no config: the local stack */
  }
  return { apiUrl: '', oidc: null };
}
