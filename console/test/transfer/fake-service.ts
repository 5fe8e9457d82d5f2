/// <reference types="node" />
import { createHash } from 'node:crypto';
import { ApiError, type ApiTransport } from '../../src/api/types';

/** An ApiError with the details a real transport may keep (MISSING_CHUNKS lists, STALE_PARENT heads). */
export class DetailedApiError extends ApiError {
  constructor(status: number, code: string, message: string, readonly details?: Record<string, unknown>) {
    super(status, code, message);
  }
}

interface FakeVersion {
  versionId: string;
  path: string;
  size: number;
  contentHash: string;
  profile: string;
  chunks: { id: string; size: number }[];
  folder?: boolean;
  link?: boolean;
  executable?: boolean;
}

/** Where a chunk is stored: its own object, or a range of a pack, maybe zstd-compressed. */
interface Location {
  key: string;
  offset?: number;
  length?: number;
  encoding?: 'zstd';
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/**
 * The service's upload, commit and download protocol in memory, with an S3 behind `fetch`: grants answer `have` only
 * for held chunks, PUT bodies must hash to their key's id, commits check parents and that every chunk is stored.
 */
export class FakeService implements ApiTransport {
  readonly objects = new Map<string, Uint8Array>();
  readonly locations = new Map<string, Location>();
  readonly held = new Set<string>();
  readonly heads = new Map<string, FakeVersion>();
  readonly calls: string[] = [];
  puts = 0;
  batches = 0;
  gets = 0;
  /** PUTs after which the fake S3 fails every PUT (a network gone). */
  failPutsAfter = Infinity;
  /** GETs the fake S3 refuses 403 (expired URLs) before it serves again. */
  refuseGets = 0;
  private seq = 0;

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    this.calls.push(`${method} ${path}`);
    const b = body as Record<string, any>;
    if (method === 'POST' && path === '/v1/uploads') {
      const have: string[] = [];
      const uploads: unknown[] = [];
      for (const c of b.chunks as { id: string; size: number }[]) {
        if (this.held.has(c.id)) {
          have.push(c.id);
        } else {
          uploads.push({ id: c.id, method: 'PUT', url: `https://s3.test/bucket/chunks/${c.id}?X-Amz-Signature=x`,
            headers: { 'content-length': String(c.size), 'x-amz-checksum-sha256': 'b64', 'x-amz-meta-owner': 'me' } });
        }
      }
      return { have, uploads, retry: [] } as T;
    }
    if (method === 'POST' && path === '/v1/commit-batch') {
      const commits = b.commits as Record<string, any>[];
      if (new Set(commits.map((c) => c.path.toLowerCase())).size !== commits.length) {
        throw new DetailedApiError(400, 'INVALID_BATCH', 'two commits for one file');
      }
      if (commits.some((c) => String(c.path).includes('\u0000'))) {
        throw new DetailedApiError(400, 'INVALID_PATH', 'a NUL in a path');
      }
      this.batches++;
      const results = [];
      for (const c of commits) {
        try {
          results.push({ status: 201, ...(await this.request<Record<string, unknown>>('POST', '/v1/commits', c)) });
        } catch (e) {
          const d = e as DetailedApiError;
          results.push({ status: d.status, error: d.code, message: d.message, details: d.details });
        }
      }
      return { results } as T;
    }
    if (method === 'POST' && path === '/v1/commits') {
      if (String(b.path).includes('\u0000')) {
        throw new DetailedApiError(400, 'INVALID_PATH', 'a NUL in a path');
      }
      const head = this.heads.get(b.path.toLowerCase());
      if ((head?.versionId ?? undefined) !== (b.parentVersion ?? undefined)) {
        throw new DetailedApiError(409, 'STALE_PARENT', 'stale', { head: head ?? null });
      }
      const missing = (b.manifest.chunks as { id: string }[]).filter((c) => !this.locations.has(c.id)).map((c) => c.id);
      if (missing.length > 0) {
        throw new DetailedApiError(422, 'MISSING_CHUNKS', 'missing', { missing });
      }
      const v: FakeVersion = { versionId: `${String(++this.seq).padStart(10, '0')}-0123456789abcdef`, path: b.path,
        size: b.size, contentHash: b.contentHash, profile: b.manifest.profile, chunks: b.manifest.chunks, folder: b.folder,
        link: b.link, executable: b.executable };
      for (const c of v.chunks) {
        this.held.add(c.id);
      }
      this.heads.set(b.path.toLowerCase(), v);
      return { outcome: 'created', version: { ...v, chunks: undefined } } as T;
    }
    if (method === 'POST' && path === '/v1/download-batch') {
      if (!this.downloadBatch) {
        throw new DetailedApiError(404, 'NOT_FOUND', 'no such route');
      }
      const results = [];
      const mark = this.calls.length;
      for (const f of b.files as Record<string, any>[]) {
        try {
          results.push({ status: 200, ...(await this.request<Record<string, unknown>>('POST', '/v1/downloads', f)) });
        } catch (e) {
          const d = e as DetailedApiError;
          results.push({ status: d.status, error: d.code, message: d.message });
        }
      }
      this.calls.length = mark; // the plans made inside the batch are not requests of their own
      return { results } as T;
    }
    if (method === 'POST' && path === '/v1/downloads') {
      const v = this.heads.get(b.path.toLowerCase());
      if (!v) {
        throw new ApiError(404, 'NOT_FOUND', 'no such file');
      }
      const wanted: string[] = b.chunks ?? [...new Set(v.chunks.map((c) => c.id))];
      const first = wanted.slice(0, this.planLimit);
      return {
        version: { path: v.path, versionId: v.versionId, size: v.size, contentHash: v.contentHash },
        profile: v.profile,
        manifest: { profile: v.profile, chunks: v.chunks },
        chunks: first.map((id) => {
          const loc = this.locations.get(id)!;
          return { id, url: `https://s3.test/bucket/${loc.key}?X-Amz-Signature=x`, offset: loc.offset, length: loc.length,
            encoding: loc.encoding, plainLength: loc.encoding ? v.chunks.find((c) => c.id === id)!.size : undefined };
        }),
        allChunks: first.length === wanted.length,
      } as T;
    }
    if (method === 'GET' && path.startsWith('/v1/files?')) {
      const q = new URLSearchParams(path.slice('/v1/files?'.length));
      const folder = q.get('folder') ?? '';
      const files = [...this.heads.values()].filter((v) => !folder || v.path.startsWith(`${folder}/`))
        .map((v) => ({ path: v.path, version: v.versionId, size: v.size, folder: v.folder, link: v.link, executable: v.executable }));
      return { files, folders: [] } as T;
    }
    throw new ApiError(400, 'UNKNOWN_ROUTE', `${method} ${path}`);
  }

  /** Whether `POST /v1/download-batch` exists (an older service: 404). */
  downloadBatch = true;

  /** How many chunk URLs a plan carries (the real service: 1000). */
  planLimit = 1000;

  readonly fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    const key = url.pathname.replace(/^\/bucket\//, '');
    if (init?.method === 'PUT') {
      if (this.puts >= this.failPutsAfter) {
        throw new TypeError('fetch failed');
      }
      this.puts++;
      const headers = new Headers(init.headers);
      if (headers.has('content-length') || headers.has('host')) {
        return new Response('computed header given', { status: 400 });
      }
      const body = new Uint8Array(await (init.body as Blob).arrayBuffer());
      const id = key.replace('chunks/', '');
      if (sha(body) !== id) {
        return new Response('<Error><Code>BadDigest</Code></Error>', { status: 400 });
      }
      this.objects.set(key, body);
      this.locations.set(id, { key });
      return new Response(null, { status: 200 });
    }
    this.gets++;
    if (this.refuseGets > 0) {
      this.refuseGets--;
      return new Response('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>', { status: 403 });
    }
    const obj = this.objects.get(key);
    if (!obj) {
      return new Response('NoSuchKey', { status: 404 });
    }
    const range = new Headers(init?.headers).get('range');
    if (range) {
      const m = /^bytes=(\d+)-(\d+)$/.exec(range)!;
      return new Response(obj.slice(Number(m[1]), Number(m[2]) + 1), { status: 206 });
    }
    return new Response(obj.slice(), { status: 200 });
  };

  /** Stores `chunks` (id → stored bytes, maybe compressed) back to back as a pack object. */
  putPack(packId: string, chunks: { id: string; stored: Uint8Array; encoding?: 'zstd' }[]): void {
    const total = chunks.reduce((n, c) => n + c.stored.length, 0);
    const body = new Uint8Array(total + 100);
    let pos = 0;
    for (const c of chunks) {
      body.set(c.stored, pos);
      this.locations.set(c.id, { key: `packs/${packId}`, offset: pos, length: c.stored.length, encoding: c.encoding });
      pos += c.stored.length;
    }
    this.objects.set(`packs/${packId}`, body);
  }
}
