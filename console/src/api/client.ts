// Typed calls of the HTTP API (docs/openapi.yaml) over an ApiTransport; HttpTransport is the browser's.
import {
  ApiError, type ApiTransport, type Committed, type FileEntry, type History, type Listing,
  type RewindPage, type Usage,
} from './types';

/** Where the transport gets the current access token (null: signed out). */
export type TokenSource = () => string | null;

/**
 * fetch() with the bearer token, JSON in and out. A non-2xx answer rejects with ApiError: `code` is the service's
 * `error` (e.g. STALE_PARENT), or UNAUTHORIZED / FORBIDDEN / HTTP_<status> for API Gateway's own `{"message": ...}`.
 * A 401 also calls `onUnauthorized` (the session is over: back to sign-in).
 */
export class HttpTransport implements ApiTransport {
  constructor(
    private readonly base: string,
    private readonly token: TokenSource,
    private readonly onUnauthorized: () => void = () => {},
    private readonly fetchFn: typeof fetch = (...args) => fetch(...args),
  ) {}

  async request<T = unknown>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    const token = this.token();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res: Response;
    try {
      res = await this.fetchFn(this.base + path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal, credentials: 'omit',
      });
    } catch (e) {
      if ((e as Error)?.name === 'AbortError') throw e;
      throw new ApiError(0, 'NETWORK', 'The service cannot be reached. Check the connection and try again.');
    }
    const text = await res.text();
    let json: unknown = undefined;
    if (text) {
      try { json = JSON.parse(text); } catch { json = undefined; }
    }
    if (!res.ok) {
      if (res.status === 401) this.onUnauthorized();
      throw toApiError(res.status, json);
    }
    return json as T;
  }
}

/** The ApiError of a non-2xx answer and its parsed body (if any). */
export function toApiError(status: number, json: unknown): ApiError {
  const o = (json && typeof json === 'object' ? json : {}) as Record<string, unknown>;
  const code = typeof o.error === 'string' ? o.error
    : status === 401 ? 'UNAUTHORIZED' : status === 403 ? 'FORBIDDEN' : status === 404 ? 'NOT_FOUND' : `HTTP_${status}`;
  const message = typeof o.message === 'string' && o.message ? o.message : `The service answered ${status}.`;
  const details = o.details && typeof o.details === 'object' ? o.details as Record<string, unknown> : undefined;
  return new ApiError(status, code, message, details);
}

function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== '' && v !== false) q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}

export interface ListOptions { includeDeleted?: boolean; deletedOnly?: boolean; cursor?: string; limit?: number; recursive?: boolean }
export interface RewindRequest {
  folder: string; to: string; dryRun: boolean; idempotencyKey?: string; cursor?: string; limit?: number;
}

/** The service's calls the console makes. */
export class ChunkvaultApi {
  static readonly MAX_PAGE = 1000;

  constructor(readonly transport: ApiTransport) {}

  list(folder: string, o: ListOptions = {}, signal?: AbortSignal): Promise<Listing> {
    const limit = Math.min(Math.max(1, o.limit ?? ChunkvaultApi.MAX_PAGE), ChunkvaultApi.MAX_PAGE);
    return this.transport.request<Listing>('GET', '/v1/files' + query({
      folder, recursive: o.recursive, includeDeleted: o.includeDeleted, deletedOnly: o.deletedOnly, cursor: o.cursor, limit,
    }), undefined, signal);
  }

  /**
   * A whole folder, page by page (1,000 at a time); `onPage` sees what has come so far. `trash`: its deleted files and
   * the sub-folders that hold one (`deletedOnly`; an older service answers everything, which the trash view filters).
   */
  async listAll(folder: string, trash: boolean, onPage?: (files: FileEntry[], folders: string[]) => void,
    signal?: AbortSignal): Promise<{ files: FileEntry[]; folders: string[] }> {
    const files: FileEntry[] = [];
    const folders: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.list(folder, trash ? { includeDeleted: true, deletedOnly: true, cursor } : { cursor }, signal);
      files.push(...(page.files ?? []));
      folders.push(...(page.folders ?? []));
      cursor = page.cursor;
      onPage?.(files, folders);
    } while (cursor);
    return { files, folders };
  }

  file(path: string, includeDeleted = false, signal?: AbortSignal): Promise<FileEntry> {
    return this.transport.request<FileEntry>('GET', '/v1/file' + query({ path, includeDeleted }), undefined, signal);
  }

  history(path: string, cursor?: string, limit?: number, signal?: AbortSignal): Promise<History> {
    return this.transport.request<History>('GET', '/v1/history' + query({ path, cursor, limit }), undefined, signal);
  }

  usage(signal?: AbortSignal): Promise<Usage> {
    return this.transport.request<Usage>('GET', '/v1/usage', undefined, signal);
  }

  delete(path: string, parentVersion?: string, idempotencyKey = newIdempotencyKey()): Promise<Committed> {
    return this.transport.request<Committed>('POST', '/v1/delete', { path, parentVersion, idempotencyKey });
  }

  restore(path: string, version: string, parentVersion?: string, idempotencyKey = newIdempotencyKey()): Promise<Committed> {
    return this.transport.request<Committed>('POST', '/v1/restore', { path, version, parentVersion, idempotencyKey });
  }

  rewind(r: RewindRequest, signal?: AbortSignal): Promise<RewindPage> {
    return this.transport.request<RewindPage>('POST', '/v1/rewind', r, signal);
  }

  /** Every page of a rewind (or of its dry run), with the same key; `onPage` sees each. */
  async rewindAll(r: Omit<RewindRequest, 'cursor'>, onPage?: (p: RewindPage) => void, signal?: AbortSignal): Promise<RewindPage[]> {
    const pages: RewindPage[] = [];
    let cursor: string | undefined;
    do {
      const p = await this.rewind({ ...r, cursor }, signal);
      pages.push(p);
      onPage?.(p);
      cursor = p.cursor;
    } while (cursor);
    return pages;
  }
}
