import type { ApiTransport, Version } from '../api/types';
import { callApi, type RetryOptions } from './http';

/** One commit's answer inside `POST /v1/commit-batch`: its status and the body `POST /v1/commits` would give. */
export interface BatchResult {
  status: number;
  outcome?: 'created' | 'replayed' | 'unchanged';
  version?: Version;
  error?: string;
  message?: string;
  details?: Record<string, unknown>;
  /** The batch as a whole was refused (one invalid commit refuses all): commit this one alone. */
  alone?: boolean;
}

interface Waiting {
  body: Record<string, unknown>;
  entries: number;
  resolve: (r: BatchResult) => void;
  reject: (e: unknown) => void;
}

/** What one batch may carry (docs/openapi.yaml: 100 commits, 2,000 manifest entries). */
export const BATCH_COMMITS = 100;
export const BATCH_ENTRIES = 2000;

/**
 * Gathers the commits of a folder upload's files into `POST /v1/commit-batch` requests (up to 100 commits and 2,000
 * manifest entries, two commits of one file never in one batch), sent once no commit came for `lingerMs` and no
 * batch is in flight, or once one is full. Each commit still has its own outcome. A batch refused whole (4xx: one invalid commit refuses all) answers
 * every commit `alone`, and each is then sent by itself, where its own error shows.
 */
export class CommitBatcher {
  private queue: Waiting[] = [];
  private paths = new Set<string>();
  private entries = 0;
  private inFlight = 0;
  private timer?: ReturnType<typeof setTimeout>;

  constructor(private readonly api: ApiTransport, private readonly options: RetryOptions, private readonly lingerMs = 30) {}

  commit(body: Record<string, unknown>): Promise<BatchResult> {
    const manifest = body.manifest as { chunks?: unknown[] } | undefined;
    const entries = manifest?.chunks?.length ?? 0;
    const key = String(body.path).normalize('NFC').toLowerCase();
    if (this.paths.has(key) || this.entries + entries > BATCH_ENTRIES || this.queue.length >= BATCH_COMMITS) {
      this.flush(true);
    }
    return new Promise<BatchResult>((resolve, reject) => {
      this.queue.push({ body, entries, resolve, reject });
      this.paths.add(key);
      this.entries += entries;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.flush(false), this.lingerMs);
    });
  }

  /**
   * Sends what is queued: at once when `full`; otherwise only while no batch is in flight, since commits that come
   * while one is answered fill the next batch (a slow service gets fewer, fuller batches, as the CLI's batcher does).
   */
  private flush(full: boolean): void {
    clearTimeout(this.timer);
    if (!full && this.inFlight > 0) {
      return; // sent when the batch in flight is answered
    }
    const batch = this.queue;
    if (batch.length === 0) {
      return;
    }
    this.queue = [];
    this.paths = new Set();
    this.entries = 0;
    void this.send(batch);
  }

  private async send(batch: Waiting[]): Promise<void> {
    this.inFlight++;
    try {
      const answer = await callApi<{ results?: BatchResult[] }>(this.api, 'POST', '/v1/commit-batch',
        { commits: batch.map((w) => w.body) }, this.options);
      const results = answer.results ?? [];
      batch.forEach((w, i) => w.resolve(results[i] ?? { status: 0, alone: true }));
    } catch (e) {
      const status = (e as { status?: number }).status;
      if (status !== undefined && status >= 400 && status < 500 && status !== 401 && status !== 403) {
        batch.forEach((w) => w.resolve({ status, alone: true }));
      } else {
        batch.forEach((w) => w.reject(e));
      }
    } finally {
      this.inFlight--;
      if (this.inFlight === 0 && this.queue.length > 0) {
        this.flush(false);
      }
    }
  }
}

interface Grant {
  id: string;
  url: string;
  headers?: Record<string, string>;
}

export interface GrantAnswer {
  have?: string[];
  uploads?: Grant[];
  retry?: { id: string; retryAfterSeconds?: number }[];
}

interface GrantWaiting {
  ids: Set<string>;
  resolve: (a: GrantAnswer) => void;
  reject: (e: unknown) => void;
}

/** What one grant request may carry (docs/openapi.yaml: 1,000 chunks). */
export const GRANT_CHUNKS = 1000;

/**
 * Gathers the grant requests (`POST /v1/uploads`) of a folder upload's files into one request (up to 1,000 distinct
 * chunks), sent once none came for `lingerMs` or it is full; each file gets the answer for its own chunks.
 */
export class GrantBatcher {
  private queue: GrantWaiting[] = [];
  private chunks = new Map<string, number>();
  private timer?: ReturnType<typeof setTimeout>;

  constructor(private readonly api: ApiTransport, private readonly options: RetryOptions, private readonly lingerMs = 10) {}

  grant(chunks: { id: string; size: number }[]): Promise<GrantAnswer> {
    const fresh = chunks.filter((c) => !this.chunks.has(c.id)).length;
    if (this.chunks.size + fresh > GRANT_CHUNKS) {
      this.flush();
    }
    if (chunks.length >= GRANT_CHUNKS) {
      return callApi<GrantAnswer>(this.api, 'POST', '/v1/uploads', { chunks }, this.options);
    }
    return new Promise<GrantAnswer>((resolve, reject) => {
      for (const c of chunks) {
        this.chunks.set(c.id, c.size);
      }
      this.queue.push({ ids: new Set(chunks.map((c) => c.id)), resolve, reject });
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.flush(), this.lingerMs);
    });
  }

  private flush(): void {
    clearTimeout(this.timer);
    const batch = this.queue;
    const chunks = [...this.chunks].map(([id, size]) => ({ id, size }));
    this.queue = [];
    this.chunks = new Map();
    if (batch.length === 0) {
      return;
    }
    callApi<GrantAnswer>(this.api, 'POST', '/v1/uploads', { chunks }, this.options).then((answer) => {
      for (const w of batch) {
        w.resolve({
          have: (answer.have ?? []).filter((id) => w.ids.has(id)),
          uploads: (answer.uploads ?? []).filter((u) => w.ids.has(u.id)),
          retry: (answer.retry ?? []).filter((r) => w.ids.has(r.id)),
        });
      }
    }, (e) => batch.forEach((w) => w.reject(e)));
  }
}
