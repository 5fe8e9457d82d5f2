// Sign-in: OAuth 2.0 authorization code with PKCE (S256), against the local cloud's issuer or Cognito's hosted UI.
// Tokens live in sessionStorage (one tab, gone when it closes), never in localStorage; no refresh token is kept
// (a stolen session ends within the access token's hour); an expired session signs in again and comes back.

export interface ConsoleConfig {
  /** Prefix of API paths ('' = this origin). */
  apiBase: string;
  authorizeUrl: string;
  tokenUrl: string;
  /** Cognito's /logout (client_id + logout_uri); absent: signing out only forgets the tokens. */
  logoutUrl?: string;
  clientId: string;
  scopes: string;
  environment?: string;
}

export interface Session {
  accessToken: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  user: string;
}

const SESSION_KEY = 'chunkvault.session';
const PENDING_KEY = 'chunkvault.signin';

interface Pending { state: string; verifier: string; returnTo: string; redirectUri: string }

/** Loads /console-config.json: where to sign in and which API to call. */
export async function loadConfig(fetchFn: typeof fetch = fetch): Promise<ConsoleConfig> {
  const res = await fetchFn('/console-config.json', { cache: 'no-cache', credentials: 'omit' });
  if (!res.ok) throw new Error(`The console's configuration is missing (${res.status}).`);
  const c = (await res.json()) as ConsoleConfig;
  for (const k of ['authorizeUrl', 'tokenUrl', 'clientId'] as const) {
    if (typeof c[k] !== 'string' || !c[k]) throw new Error(`The console's configuration lacks ${k}.`);
  }
  return { ...c, apiBase: (c.apiBase ?? '').replace(/\/$/, ''), scopes: c.scopes ?? 'openid' };
}

export function base64Url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A PKCE verifier: 32 random bytes, base64url (43 characters). */
export function newVerifier(): string {
  return base64Url(crypto.getRandomValues(new Uint8Array(32)));
}

/** The S256 challenge of a verifier (RFC 7636 §4.2). */
export async function challengeOf(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64Url(new Uint8Array(digest));
}

/** Where the authorization server sends the browser back: the console's root on this origin. */
export function redirectUri(origin: string = location.origin): string {
  return origin + '/';
}

/** The authorize address for a new sign-in; remembers state, verifier and where to come back to. */
export async function beginSignIn(config: ConsoleConfig, returnTo: string, storage: Storage = sessionStorage,
  origin: string = location.origin): Promise<string> {
  const verifier = newVerifier();
  const state = base64Url(crypto.getRandomValues(new Uint8Array(16)));
  const redirect = redirectUri(origin);
  const pending: Pending = { state, verifier, returnTo: safeReturn(returnTo), redirectUri: redirect };
  storage.setItem(PENDING_KEY, JSON.stringify(pending));
  const u = new URL(config.authorizeUrl, origin);
  u.searchParams.set('response_type', 'code');
  u.searchParams.set('client_id', config.clientId);
  u.searchParams.set('redirect_uri', redirect);
  u.searchParams.set('scope', config.scopes);
  u.searchParams.set('state', state);
  u.searchParams.set('code_challenge', await challengeOf(verifier));
  u.searchParams.set('code_challenge_method', 'S256');
  return u.toString();
}

/** Only a path of this origin may be returned to (no scheme, no host, no protocol-relative //). */
export function safeReturn(p: string): string {
  return p.startsWith('/') && !p.startsWith('//') && !p.startsWith('/\\') ? p : '/';
}

export class SignInError extends Error {}

/** Whether this address is the authorization server's answer (code or error, with state). */
export function isCallback(url: URL): boolean {
  return url.pathname === '/' && url.searchParams.has('state') && (url.searchParams.has('code') || url.searchParams.has('error'));
}

/**
 * Finishes a sign-in: checks the state against the one remembered, trades the code (with the verifier) for tokens
 * and keeps the access token. Resolves to the path to go back to.
 */
export async function completeSignIn(config: ConsoleConfig, url: URL, storage: Storage = sessionStorage,
  fetchFn: typeof fetch = fetch): Promise<string> {
  const raw = storage.getItem(PENDING_KEY);
  storage.removeItem(PENDING_KEY); // one use, whatever happens
  const pending = raw ? (JSON.parse(raw) as Pending) : null;
  if (!pending || pending.state !== url.searchParams.get('state')) {
    throw new SignInError('This sign-in was not started here (its state does not match). Sign in again.');
  }
  const error = url.searchParams.get('error');
  if (error) {
    throw new SignInError(`Sign-in failed: ${url.searchParams.get('error_description') || error}`);
  }
  const form = new URLSearchParams({
    grant_type: 'authorization_code', client_id: config.clientId, code: url.searchParams.get('code') ?? '',
    redirect_uri: pending.redirectUri, code_verifier: pending.verifier,
  });
  const res = await fetchFn(new URL(config.tokenUrl, url.origin).toString(), {
    method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form.toString(),
    credentials: 'omit',
  });
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok || typeof body.access_token !== 'string') {
    throw new SignInError(`Sign-in failed: ${typeof body.error_description === 'string' ? body.error_description : res.status}`);
  }
  const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : 3600;
  const session: Session = {
    accessToken: body.access_token, expiresAt: Date.now() + expiresIn * 1000, user: userOf(body.access_token),
  };
  storage.setItem(SESSION_KEY, JSON.stringify(session));
  return safeReturn(pending.returnTo);
}

/** The user a token names (username, else sub); only for display. */
export function userOf(jwt: string): string {
  try {
    const part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0))));
    return String(claims.username ?? claims['cognito:username'] ?? claims.sub ?? '');
  } catch {
    return '';
  }
}

/** The current session, or null when there is none or it has expired. */
export function currentSession(storage: Storage = sessionStorage, now: number = Date.now()): Session | null {
  try {
    const s = JSON.parse(storage.getItem(SESSION_KEY) ?? 'null') as Session | null;
    return s && typeof s.accessToken === 'string' && s.expiresAt > now ? s : null;
  } catch {
    return null;
  }
}

export function forgetSession(storage: Storage = sessionStorage): void {
  storage.removeItem(SESSION_KEY);
}

/** Where to send the browser to sign out (Cognito ends its own session there too), or null to stay. */
export function logoutUrl(config: ConsoleConfig, origin: string = location.origin): string | null {
  if (!config.logoutUrl) return null;
  const u = new URL(config.logoutUrl, origin);
  u.searchParams.set('client_id', config.clientId);
  u.searchParams.set('logout_uri', redirectUri(origin));
  return u.toString();
}
