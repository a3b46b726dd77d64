// The typed API client: openapi-fetch over the types generated from /v1/openapi.json
// (src/api/schema.d.ts, `npm run gen:api`). No request or response type is written by hand.
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';
import { session } from '../auth';

export type Schemas = components['schemas'];
export type Ticket = Schemas['Ticket'];
export type TicketDetail = Schemas['TicketDetail'];
export type Message = Schemas['Message'];
export type Order = Schemas['Order'];
export type Finding = Schemas['ComplianceFinding'];
export type Counts = Schemas['Counts'];
export type Problem = Schemas['Problem'];

const auth: Middleware = {
  onRequest({ request }) {
    const s = session();
    if (s) request.headers.set('Authorization', `Bearer ${s.token}`);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) window.dispatchEvent(new Event('marketdesk:signed-out'));
    return response;
  },
};

export type Api = ReturnType<typeof createClient<paths>>;

export let api: Api = makeClient('');

function makeClient(baseUrl: string): Api {
  // The inbox is polled with If-None-Match: the browser cache must not answer for the API.
  const client = createClient<paths>({ baseUrl, cache: 'no-store' });
  client.use(auth);
  return client;
}

export function configureApi(baseUrl: string) {
  api = makeClient(baseUrl);
}

/** The ETag of an answer (`"v3"`) as the number If-Match / expected_version take. */
export function versionOf(etag: string | null): number | null {
  const m = /"v(\d+)"/.exec(etag ?? '');
  return m?.[1] ? Number(m[1]) : null;
}

/** A problem document's human text. */
export function problemText(error: unknown): string {
  if (error && typeof error === 'object') {
    const p = error as { detail?: string; title?: string; field?: string };
    const text = p.detail ?? p.title ?? 'request failed';
    return p.field ? `${text} (${p.field})` : text;
  }
  return String(error ?? 'request failed');
}
