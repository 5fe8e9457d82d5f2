import { ApiError, type ApiTransport } from '../api/types';

export type FetchFn = typeof fetch;

/** Headers the browser (or Node's fetch) computes itself and refuses to be given; the request carries them anyway. */
const COMPUTED = new Set(['content-length', 'host']);

/** A grant's signed headers, less those fetch sets by itself (the body's length is the signed one). */
export function sendableHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (!COMPUTED.has(k.toLowerCase())) {
      out[k] = v;
    }
  }
  return out;
}

/** The `details` of an API error, when the transport kept them (the interface does not promise it). */
export function errorDetails(e: unknown): Record<string, unknown> | undefined {
  const d = (e as { details?: unknown } | null)?.details;
  return d && typeof d === 'object' ? (d as Record<string, unknown>) : undefined;
}

export function isRetryable(e: unknown): boolean {
  return e instanceof ApiError && (e.status === 429 || e.status === 503 || e.status === 502 || e.status === 504);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * How long a presigned PUT or GET of `bytes` may take before it counts as stalled: 30 s plus 64 KiB/s (an 8 MiB chunk:
 * 2 min 38 s). A request that neither finishes nor fails (a dropped connection the browser never notices, a proxy
 * that holds it) would otherwise hold an upload or a download forever; past this it is aborted and retried.
 */
export function stallDeadlineMs(bytes: number): number {
  return 30_000 + Math.ceil(bytes / 65_536) * 1000;
}

/** The request was aborted because it passed its {@link stallDeadlineMs} (retried like a network error). */
export class StalledError extends Error {
  constructor(ms: number) {
    super(`no answer in ${Math.round(ms / 1000)} s`);
    this.name = 'StalledError';
  }
}

/**
 * fetch() that gives up after `ms`: rejects with {@link StalledError} then, or with the caller's abort reason when
 * `signal` aborts. The deadline covers reading the answer's body too (`read`), since a stalled body hangs as well.
 */
export async function fetchWithDeadline<T>(fetchFn: FetchFn, url: string, init: RequestInit, ms: number,
  read: (res: Response) => Promise<T>): Promise<T> {
  const parent = init.signal ?? undefined;
  parent?.throwIfAborted();
  const ctl = new AbortController();
  const onAbort = () => ctl.abort(parent!.reason);
  parent?.addEventListener('abort', onAbort, { once: true });
  let stalled = false;
  const timer = setTimeout(() => {
    stalled = true;
    ctl.abort(new StalledError(ms));
  }, ms);
  try {
    const res = await fetchFn(url, { ...init, signal: ctl.signal });
    return await read(res);
  } catch (e) {
    if (stalled && !parent?.aborted) {
      throw new StalledError(ms);
    }
    throw e;
  } finally {
    clearTimeout(timer);
    parent?.removeEventListener('abort', onAbort);
  }
}

export interface RetryOptions {
  signal?: AbortSignal;
  /** First back-off in ms (doubles, at most 8 s); tests make it small. */
  retryDelayMs?: number;
  attempts?: number;
}

/** An API call retried on 429 / 5xx answers that say "try again" (the same body: idempotent by design). */
export async function callApi<T>(api: ApiTransport, method: 'GET' | 'POST' | 'PUT', path: string, body: unknown,
  options: RetryOptions): Promise<T> {
  const attempts = options.attempts ?? 8;
  let delay = options.retryDelayMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    try {
      return await api.request<T>(method, path, body, options.signal);
    } catch (e) {
      if (!isRetryable(e) || attempt >= attempts) {
        throw e;
      }
      await sleep(delay, options.signal);
      delay = Math.min(delay * 2, 8000);
    }
  }
}

/** At most `limit` tasks at once; the others wait in order. */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) {
        next();
      } else {
        this.active--;
      }
    }
  }
}
