import { describe, expect, it } from 'vitest';
import {
  beginSignIn, challengeOf, completeSignIn, currentSession, isCallback, logoutUrl, safeReturn, SignInError, type ConsoleConfig,
} from '../src/auth/session';
import { MemoryStorage } from './memoryStorage';

const CONFIG: ConsoleConfig = {
  apiBase: '', authorizeUrl: '/oauth2/authorize', tokenUrl: '/oauth2/token', logoutUrl: '/logout', clientId: 'chunkvault-local',
  scopes: 'openid chunkvault/read chunkvault/write',
};
const ORIGIN = 'http://127.0.0.1:4750';

function jwt(claims: object): string {
  const b = (o: object) => btoa(JSON.stringify(o)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return `${b({ alg: 'RS256' })}.${b(claims)}.sig`;
}

describe('PKCE sign-in', () => {
  it('computes the S256 challenge of RFC 7636 appendix B', async () => {
    expect(await challengeOf('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('asks for a code with S256, a state and a loopback redirect, and trades it with the verifier', async () => {
    const storage = new MemoryStorage();
    const authorize = new URL(await beginSignIn(CONFIG, '/files/docs', storage, ORIGIN));
    expect(authorize.origin + authorize.pathname).toBe(`${ORIGIN}/oauth2/authorize`);
    const q = authorize.searchParams;
    expect(q.get('response_type')).toBe('code');
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('redirect_uri')).toBe(`${ORIGIN}/`);
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const state = q.get('state')!;

    let form: URLSearchParams | null = null;
    const fetchFn = (async (_u: string, init: RequestInit) => {
      form = new URLSearchParams(init.body as string);
      return new Response(JSON.stringify({ access_token: jwt({ sub: 'u1', username: 'alice' }), expires_in: 3600 }), { status: 200 });
    }) as unknown as typeof fetch;
    const callback = new URL(`${ORIGIN}/?code=abc&state=${state}`);
    expect(isCallback(callback)).toBe(true);
    expect(await completeSignIn(CONFIG, callback, storage, fetchFn)).toBe('/files/docs');
    expect(form!.get('code')).toBe('abc');
    expect(form!.get('grant_type')).toBe('authorization_code');
    expect(await challengeOf(form!.get('code_verifier')!)).toBe(q.get('code_challenge'));
    expect(currentSession(storage)?.user).toBe('alice');
    expect(currentSession(storage, Date.now() + 3601_000)).toBeNull();
  });

  it('refuses a callback whose state it did not send, and uses a state once', async () => {
    const storage = new MemoryStorage();
    const state = new URL(await beginSignIn(CONFIG, '/', storage, ORIGIN)).searchParams.get('state');
    const never = (async () => { throw new Error('no token request expected'); }) as unknown as typeof fetch;
    await expect(completeSignIn(CONFIG, new URL(`${ORIGIN}/?code=abc&state=forged`), storage, never)).rejects.toBeInstanceOf(SignInError);
    await expect(completeSignIn(CONFIG, new URL(`${ORIGIN}/?code=abc&state=${state}`), storage, never)).rejects.toBeInstanceOf(SignInError);
    expect(currentSession(storage)).toBeNull();
  });

  it('reports the error the authorization server sends back', async () => {
    const storage = new MemoryStorage();
    const state = new URL(await beginSignIn(CONFIG, '/', storage, ORIGIN)).searchParams.get('state');
    await expect(completeSignIn(CONFIG, new URL(`${ORIGIN}/?error=access_denied&error_description=No&state=${state}`), storage))
      .rejects.toThrow('Sign-in failed: No');
  });

  it('returns only to paths of this origin', () => {
    expect(safeReturn('/files/a?x=1')).toBe('/files/a?x=1');
    for (const bad of ['//evil.example/', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)']) expect(safeReturn(bad)).toBe('/');
  });

  it('signs out through the logout endpoint back to the console', () => {
    const u = new URL(logoutUrl(CONFIG, ORIGIN)!);
    expect(u.pathname).toBe('/logout');
    expect(u.searchParams.get('client_id')).toBe('chunkvault-local');
    expect(u.searchParams.get('logout_uri')).toBe(`${ORIGIN}/`);
    expect(logoutUrl({ ...CONFIG, logoutUrl: undefined }, ORIGIN)).toBeNull();
  });
});
