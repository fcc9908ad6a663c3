import type { Hono } from 'hono';

const ORIGIN = 'http://localhost';

export interface InProcessSession {
  /** The Cookie header value to send. */
  readonly cookie: string;
  /** The session's CSRF token, read from a page's hidden field. */
  readonly csrf: string;
  get(path: string): Promise<Response>;
  /** A same-origin form post; `csrf: undefined` in `fields` leaves the token out. */
  post(path: string, fields: Record<string, string | undefined>): Promise<Response>;
}

/** Signs in through POST /console/sign-in on the app in process (no browser) and returns the session's cookie and CSRF token. */
export async function signInInProcess(app: Hono<never> | { request: Hono['request'] }, token: string): Promise<InProcessSession> {
  const signedIn = await app.request('/console/sign-in', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
    body: new URLSearchParams({ token }).toString(),
  });
  if (signedIn.status !== 303) throw new Error(`sign-in answered ${signedIn.status}`);
  const cookie = (signedIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const landing = await app.request('/console/statistics', { headers: { cookie } });
  const csrf = /name="csrf" value="([^"]+)"/.exec(await landing.text())?.[1];
  if (csrf === undefined) throw new Error('no CSRF field on the statistics page');
  return {
    cookie,
    csrf,
    get: async (path) => app.request(path, { headers: { cookie } }),
    post: async (path, fields) => {
      const body = new URLSearchParams();
      for (const [name, value] of Object.entries({ csrf, ...fields })) if (value !== undefined) body.set(name, value);
      return app.request(path, { method: 'POST', headers: { cookie, origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
    },
  };
}
