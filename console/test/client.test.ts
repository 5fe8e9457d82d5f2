import { describe, expect, it } from 'vitest';
import { ChunkvaultApi, HttpTransport, toApiError } from '../src/api/client';
import { ApiError } from '../src/api/types';

type Call = { url: string; init: RequestInit };

function fakeFetch(answers: Array<{ status: number; body?: unknown }>, calls: Call[]): typeof fetch {
  return (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    const a = answers.shift()!;
    return new Response(a.body === undefined ? '' : JSON.stringify(a.body), { status: a.status });
  }) as unknown as typeof fetch;
}

describe('HttpTransport', () => {
  it('sends the bearer token and JSON, and parses the answer', async () => {
    const calls: Call[] = [];
    const t = new HttpTransport('http://api', () => 'tok', () => {}, fakeFetch([{ status: 200, body: { ok: 1 } }], calls));
    expect(await t.request('POST', '/v1/delete', { path: 'a' })).toEqual({ ok: 1 });
    expect(calls[0].url).toBe('http://api/v1/delete');
    const h = calls[0].init.headers as Record<string, string>;
    expect(h.Authorization).toBe('Bearer tok');
    expect(h['Content-Type']).toBe('application/json');
    expect(calls[0].init.body).toBe('{"path":"a"}');
    expect(calls[0].init.credentials).toBe('omit');
  });

  it('turns a service error into ApiError with its code and message', async () => {
    const t = new HttpTransport('', () => 't', () => {}, fakeFetch([{ status: 409, body: { error: 'STALE_PARENT', message: 'Changed meanwhile.' } }], []));
    const e = await t.request('POST', '/v1/restore', {}).catch((x) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ status: 409, code: 'STALE_PARENT', message: 'Changed meanwhile.' });
  });

  it('calls onUnauthorized on a 401 of API Gateway', async () => {
    let out = 0;
    const t = new HttpTransport('', () => 'expired', () => out++, fakeFetch([{ status: 401, body: { message: 'Unauthorized' } }], []));
    const e = await t.request('GET', '/v1/files').catch((x) => x);
    expect(e).toMatchObject({ status: 401, code: 'UNAUTHORIZED', message: 'Unauthorized' });
    expect(out).toBe(1);
  });

  it('names a network failure and a body that is not JSON', async () => {
    const failing = (async () => { throw new TypeError('Failed to fetch'); }) as unknown as typeof fetch;
    expect(await new HttpTransport('', () => null, () => {}, failing).request('GET', '/v1/usage').catch((x) => x))
      .toMatchObject({ status: 0, code: 'NETWORK' });
    const html = (async () => new Response('<html>oops</html>', { status: 502 })) as unknown as typeof fetch;
    expect(await new HttpTransport('', () => null, () => {}, html).request('GET', '/v1/usage').catch((x) => x))
      .toMatchObject({ status: 502, code: 'HTTP_502', message: 'The service answered 502.' });
  });

  it('maps bodies without an error code by status', () => {
    expect(toApiError(403, { message: 'Forbidden' }).code).toBe('FORBIDDEN');
    expect(toApiError(404, null).code).toBe('NOT_FOUND');
  });

  it('keeps the error body\'s details (MISSING_CHUNKS, STALE_PARENT)', () => {
    const e = toApiError(409, { error: 'STALE_PARENT', message: 'stale', details: { head: 'v2' } });
    expect(e).toMatchObject({ status: 409, code: 'STALE_PARENT', message: 'stale', details: { head: 'v2' } });
    expect(toApiError(400, { error: 'X', details: 'not an object' }).details).toBeUndefined();
  });
});

describe('ChunkvaultApi', () => {
  it('pages through a folder 1,000 at a time', async () => {
    const calls: Call[] = [];
    const api = new ChunkvaultApi(new HttpTransport('', () => 't', () => {}, fakeFetch([
      { status: 200, body: { files: [{ path: 'd/a', version: 'v1', size: 1 }], folders: ['d/s'], cursor: 'c1' } },
      { status: 200, body: { files: [{ path: 'd/b', version: 'v2', size: 2 }], folders: [] } },
    ], calls)));
    const seen: number[] = [];
    const all = await api.listAll('d', true, (f) => seen.push(f.length));
    expect(all.files.map((f) => f.path)).toEqual(['d/a', 'd/b']);
    expect(all.folders).toEqual(['d/s']);
    expect(seen).toEqual([1, 2]);
    expect(calls[0].url).toBe('/v1/files?folder=d&includeDeleted=true&deletedOnly=true&limit=1000');
    expect(calls[1].url).toBe('/v1/files?folder=d&includeDeleted=true&deletedOnly=true&cursor=c1&limit=1000');
  });

  it('sends restore, delete and rewind with their fields only', async () => {
    const calls: Call[] = [];
    const api = new ChunkvaultApi(new HttpTransport('', () => 't', () => {}, fakeFetch([
      { status: 201, body: {} }, { status: 201, body: {} },
      { status: 200, body: { changes: [{ path: 'a', status: 'PLANNED' }], cursor: 'n', examined: 1, unchanged: 0 } },
      { status: 200, body: { changes: [], examined: 0, unchanged: 3 } },
    ], calls)));
    await api.restore('a b', 'v1', 'v2', 'k1');
    await api.delete('a b', undefined, 'k2');
    const pages = await api.rewindAll({ folder: 'docs', to: '2026-01-01T00:00:00.000Z', dryRun: true });
    expect(JSON.parse(calls[0].init.body as string)).toEqual({ path: 'a b', version: 'v1', parentVersion: 'v2', idempotencyKey: 'k1' });
    expect(JSON.parse(calls[1].init.body as string)).toEqual({ path: 'a b', idempotencyKey: 'k2' });
    expect(pages).toHaveLength(2);
    expect(JSON.parse(calls[3].init.body as string)).toEqual({ folder: 'docs', to: '2026-01-01T00:00:00.000Z', dryRun: true, cursor: 'n' });
  });

  it('encodes paths in query strings', async () => {
    const calls: Call[] = [];
    const api = new ChunkvaultApi(new HttpTransport('', () => 't', () => {}, fakeFetch([{ status: 200, body: { versions: [] } }], calls)));
    await api.history('a&b/<img src=x>.txt');
    expect(calls[0].url).toBe('/v1/history?path=a%26b%2F%3Cimg+src%3Dx%3E.txt');
  });
});
