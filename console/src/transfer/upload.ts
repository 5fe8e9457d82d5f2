import { ApiError, type ApiTransport, type Committed } from '../api/types';
import { type BatchResult, CommitBatcher, type GrantAnswer, GrantBatcher } from './batch';
import { chunkBlob, type ChunkedFile, type ChunkInfo } from './chunker';
import { DEFAULT_PROFILE, profileForFile } from './fastcdc';
import { callApi, errorDetails, fetchWithDeadline, type FetchFn, Limiter, sendableHeaders, sleep, stallDeadlineMs } from './http';
import { journalKey, type JournalRecord, type UploadJournal } from './journal';

/** SHA-256 of nothing: the content hash of an empty file or folder marker. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** The commit's parent is not the head any more (409 STALE_PARENT): nothing was overwritten. */
export class StaleParentError extends Error {
  constructor(readonly path: string, readonly head: unknown, readonly cause?: unknown) {
    super(`${path} was changed elsewhere: its head is not the version this upload replaces`);
    this.name = 'StaleParentError';
  }
}

/** An upload that cannot complete (a refused PUT, chunks the service keeps missing, ...). */
export class UploadError extends Error {
  constructor(readonly path: string, message: string, readonly cause?: unknown) {
    super(`${path}: ${message}`);
    this.name = 'UploadError';
  }
}

export type UploadPhase = 'hashing' | 'uploading' | 'committing' | 'done' | 'failed';

export interface FileProgress {
  path: string;
  phase: UploadPhase;
  totalBytes: number;
  /** Bytes read and hashed (all of them when the journal had the file's chunking). */
  hashedBytes: number;
  /** Bytes the service has: sent, already held, or journaled as sent. */
  sentBytes: number;
}

export interface UploadRequest {
  /** The file's path in the store ('/'-separated, relative to the user's root). */
  path: string;
  file: Blob;
  /** Defaults to the File's lastModified (0 for a plain Blob). */
  lastModified?: number;
  /**
   * The head version this upload replaces (from a listing): absent for a new file. If the file exists and this is not
   * its head, the upload fails with StaleParentError; it never overwrites silently.
   */
  parentVersion?: string;
  /** The profile the replaced version was cut with (a download plan's `profile`), to keep dedup with its history. */
  baseProfile?: string;
}

export interface UploadOptions {
  journal?: UploadJournal;
  signal?: AbortSignal;
  onProgress?: (progress: FileProgress) => void;
  /** Presigned PUTs in flight at once (default 4). */
  concurrency?: number;
  fetch?: FetchFn;
  /** First retry back-off in ms (default 500). */
  retryDelayMs?: number;
  /** A PUT with no answer after this many ms is aborted and retried (default: stallDeadlineMs of its size). */
  stallMs?: number;
  /** Shares one PUT limit among several uploads (uploadFiles). */
  limiter?: Limiter;
  /** Sends the commits of several uploads together (uploadFiles). */
  batcher?: CommitBatcher;
  /** Asks for the grants of several uploads together (uploadFiles). */
  grants?: GrantBatcher;
}

type Grant = NonNullable<GrantAnswer['uploads']>[number];

const GRANT_BATCH = 100;
const GRANT_BATCH_BYTES = 16 << 20;
/** Bytes granted but not yet sent, beyond which chunking waits for the PUTs (grants live 10 minutes). */
const AHEAD_BYTES = 64 << 20;
const COMMIT_ROUNDS = 4;
/** Files of at most this many chunks commit in batches when several are uploaded together. */
const BATCHED_CHUNKS = 200;

/**
 * Uploads one file through the chunk protocol the Java client uses: cut (FastCDC, exactly the Java boundaries) and
 * hash (WebCrypto), ask the service for grants (`POST /v1/uploads`), PUT the chunks it lacks straight to S3 with the
 * grant's signed headers, then commit the version (`POST /v1/commits`, with the parent for an overwrite).
 *
 * Grants and PUTs start while the file is still being read; the file is read through a bounded buffer and every PUT's
 * body is a slice of the Blob, so memory does not grow with the file. Chunks are sent raw (the service's packs and
 * compression are the CLI's optimisations, not requirements).
 */
export async function uploadFile(api: ApiTransport, req: UploadRequest, options: UploadOptions = {}): Promise<Committed> {
  const file = req.file;
  const lastModified = req.lastModified ?? (file as Partial<File>).lastModified ?? 0;
  const key = journalKey(req.path, file.size, lastModified);
  const journal = options.journal;
  const record: JournalRecord = (await journal?.get(key)) ?? { uploaded: [] };
  const up = new FileUpload(api, req, file, options, record, key);
  try {
    return await up.run(lastModified);
  } catch (e) {
    up.report('failed');
    throw e;
  }
}

class FileUpload {
  private readonly uploaded: Set<string>;
  private readonly seen = new Set<string>();
  private readonly sizes = new Map<string, number>();
  private readonly limiter: Limiter;
  private readonly fetchFn: FetchFn;
  private readonly progress: FileProgress;
  private journalWrite: Promise<void> = Promise.resolve();
  private aheadBytes = 0;
  private readonly batches: Promise<void>[] = [];
  private readonly pending = new Set<Promise<void>>();
  private failure: unknown;
  /** The journal's record was found wrong and deleted: nothing more is written to it. */
  private forgotten = false;

  constructor(private readonly api: ApiTransport, private readonly req: UploadRequest, private readonly file: Blob,
    private readonly options: UploadOptions, private readonly record: JournalRecord, private readonly key: string) {
    this.uploaded = new Set(record.uploaded);
    this.limiter = options.limiter ?? new Limiter(options.concurrency ?? 4);
    this.fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
    this.progress = { path: req.path, phase: 'hashing', totalBytes: file.size, hashedBytes: 0, sentBytes: 0 };
  }

  report(phase?: UploadPhase): void {
    if (phase) {
      this.progress.phase = phase;
    }
    this.options.onProgress?.({ ...this.progress });
  }

  async run(lastModified: number): Promise<Committed> {
    const signal = this.options.signal;
    let chunked = this.record.chunked;
    this.report('hashing');
    if (chunked && chunked.size === this.file.size) {
      this.progress.hashedBytes = chunked.size;
      this.report('uploading');
      let batch: ChunkInfo[] = [];
      for (const c of chunked.chunks) {
        batch = this.take(c, batch);
      }
      this.dispatch(batch);
    } else {
      const profile = profileForFile(this.file.size, this.req.baseProfile);
      let batch: ChunkInfo[] = [];
      let batchBytes = 0;
      chunked = await chunkBlob(this.file, profile, {
        signal,
        onChunk: async (c) => {
          const before = batch.length;
          batch = this.take(c, batch);
          if (batch.length > before) {
            batchBytes += c.size;
          }
          if (batch.length >= GRANT_BATCH || batchBytes >= GRANT_BATCH_BYTES) {
            this.dispatch(batch);
            batch = [];
            batchBytes = 0;
          }
          while (this.aheadBytes > AHEAD_BYTES && !this.failure && this.pending.size > 0) {
            await Promise.race(this.pending);
          }
          this.throwIfFailed();
        },
        onProgress: (done) => {
          this.progress.hashedBytes = done;
          if (this.progress.phase === 'hashing' && this.progress.sentBytes > 0) {
            this.progress.phase = 'uploading';
          }
          this.report();
        },
      });
      this.dispatch(batch);
      this.record.chunked = chunked;
      this.saveJournal();
    }
    this.report('uploading');
    await Promise.all(this.batches);
    this.throwIfFailed();
    this.report('committing');
    const result = await this.commit(chunked, lastModified);
    await this.journalWrite;
    await this.options.journal?.delete(this.key);
    this.progress.sentBytes = this.file.size;
    this.report('done');
    return result;
  }

  /** Adds `c` to the batch to send unless it was seen (or sent) before; counts what needs no sending. */
  private take(c: ChunkInfo, batch: ChunkInfo[]): ChunkInfo[] {
    this.sizes.set(c.id, c.size);
    if (this.seen.has(c.id) || this.uploaded.has(c.id)) {
      this.seen.add(c.id);
      this.progress.sentBytes += c.size;
      return batch;
    }
    this.seen.add(c.id);
    batch.push(c);
    return batch;
  }

  private dispatch(batch: ChunkInfo[]): void {
    if (batch.length === 0) {
      return;
    }
    const bytes = batch.reduce((n, c) => n + c.size, 0);
    this.aheadBytes += bytes;
    const p: Promise<void> = this.send(batch).then(
      () => { this.aheadBytes -= bytes; },
      (e) => { this.aheadBytes -= bytes; this.failure ??= e; },
    ).finally(() => this.pending.delete(p));
    this.batches.push(p);
    this.pending.add(p);
  }

  private throwIfFailed(): void {
    if (this.failure) {
      throw this.failure;
    }
  }

  /** Grants and PUTs `chunks` (distinct ids), until the service has every one of them. */
  private async send(chunks: ChunkInfo[]): Promise<void> {
    const signal = this.options.signal;
    let todo = chunks;
    for (let round = 0; todo.length > 0; round++) {
      if (round >= 6) {
        throw new UploadError(this.req.path, `the service kept asking to retry ${todo.length} chunk(s)`);
      }
      const refs = todo.map((c) => ({ id: c.id, size: c.size }));
      const answer = this.options.grants
        ? await this.options.grants.grant(refs)
        : await callApi<GrantAnswer>(this.api, 'POST', '/v1/uploads', { chunks: refs }, this.options);
      const byId = new Map(todo.map((c) => [c.id, c]));
      for (const id of answer.have ?? []) {
        this.done(byId.get(id), false);
      }
      await Promise.all((answer.uploads ?? []).map((g) => this.limiter.run(() => this.put(g, byId.get(g.id)))));
      const retry = answer.retry ?? [];
      todo = retry.map((r) => byId.get(r.id)).filter((c): c is ChunkInfo => c !== undefined);
      if (todo.length > 0) {
        const wait = Math.max(...retry.map((r) => r.retryAfterSeconds ?? 1), 1);
        await sleep(Math.min(wait, 30) * 1000, signal);
      }
    }
  }

  private done(c: ChunkInfo | undefined, journal: boolean): void {
    if (!c) {
      return;
    }
    this.progress.sentBytes += c.size;
    if (journal) {
      this.uploaded.add(c.id);
      this.saveJournal();
    }
    this.report();
  }

  private async put(grant: Grant, chunk: ChunkInfo | undefined): Promise<void> {
    if (!chunk) {
      throw new UploadError(this.req.path, `the service granted a chunk it was not asked for: ${grant.id}`);
    }
    const signal = this.options.signal;
    let delay = this.options.retryDelayMs ?? 500;
    let g = grant;
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      let status = 0;
      let detail = '';
      try {
        const got = await fetchWithDeadline(this.fetchFn, g.url, {
          method: 'PUT',
          headers: sendableHeaders(g.headers),
          body: this.file.slice(chunk.offset, chunk.offset + chunk.size),
          signal,
        }, this.options.stallMs ?? stallDeadlineMs(chunk.size), async (res) => {
          if (res.ok) {
            await res.arrayBuffer().catch(() => undefined);
            return { status: res.status, text: '' };
          }
          return { status: res.status, text: (await res.text().catch(() => '')).slice(0, 300) };
        });
        status = got.status;
        if (status >= 200 && status < 300) {
          this.done(chunk, true);
          return;
        }
        detail = got.text;
      } catch (e) {
        if (signal?.aborted) {
          throw e;
        }
        detail = String(e);
      }
      if (attempt >= 4) {
        throw new UploadError(this.req.path, `PUT of chunk ${chunk.id} failed (${status || 'network'}): ${detail}`);
      }
      if (status === 400 && detail.includes('BadDigest')) {
        // The bytes are not the journal's (or the first read's): forget the record, so the next try reads the file.
        await this.journalWrite;
        this.forgotten = true;
        await this.options.journal?.delete(this.key);
        throw new UploadError(this.req.path, `the file changed while it was sent (chunk ${chunk.id} is not its bytes)`);
      }
      await sleep(delay, signal);
      delay = Math.min(delay * 2, 8000);
      if (status === 403) {
        // An expired URL (the file waited longer than a grant lives): ask for a new one.
        const again = await callApi<GrantAnswer>(this.api, 'POST', '/v1/uploads',
          { chunks: [{ id: chunk.id, size: chunk.size }] }, this.options);
        if ((again.have ?? []).includes(chunk.id)) {
          this.done(chunk, false);
          return;
        }
        const next = (again.uploads ?? []).find((u) => u.id === chunk.id);
        if (next) {
          g = next;
        }
      }
    }
  }

  private saveJournal(): void {
    const journal = this.options.journal;
    if (!journal || this.forgotten) {
      return;
    }
    this.record.uploaded = [...this.uploaded];
    const snapshot = { ...this.record };
    this.journalWrite = this.journalWrite.then(() => journal.put(this.key, snapshot)).catch(() => undefined);
  }

  private async commit(chunked: ChunkedFile, lastModified: number): Promise<Committed> {
    if (!this.record.idempotencyKey) {
      this.record.idempotencyKey = `web-${crypto.randomUUID()}`;
      this.saveJournal();
      await this.journalWrite;
    }
    const body: Record<string, unknown> = {
      path: this.req.path,
      manifest: { profile: chunked.profile, chunks: chunked.chunks.map((c) => ({ id: c.id, size: c.size })) },
      size: chunked.size,
      contentHash: chunked.contentHash,
      clientMtime: lastModified,
      idempotencyKey: this.record.idempotencyKey,
    };
    if (this.req.parentVersion) {
      body.parentVersion = this.req.parentVersion;
    }
    if (this.options.batcher && chunked.chunks.length <= BATCHED_CHUNKS) {
      const r: BatchResult = await this.options.batcher.commit(body);
      if ((r.status === 200 || r.status === 201) && r.version) {
        return { outcome: r.outcome ?? 'created', version: r.version };
      }
      if (r.status === 409 && r.error === 'STALE_PARENT') {
        throw new StaleParentError(this.req.path, r.details?.head ?? null);
      }
      // Anything else (missing chunks, a refused batch, a limit) is sent again alone, where it is handled.
    }
    for (let round = 1; ; round++) {
      try {
        return await callApi<Committed>(this.api, 'POST', '/v1/commits', body, this.options);
      } catch (e) {
        if (e instanceof ApiError && e.status === 409 && e.code === 'STALE_PARENT') {
          throw new StaleParentError(this.req.path, errorDetails(e)?.head ?? null, e);
        }
        if (!(e instanceof ApiError && e.status === 422 && e.code === 'MISSING_CHUNKS') || round >= COMMIT_ROUNDS) {
          throw e;
        }
        // Chunks the journal said were sent but the service does not have (collected, or never stored): send them.
        const listed = errorDetails(e)?.missing;
        const missing = Array.isArray(listed)
          ? listed.map((m) => (typeof m === 'string' ? m : (m as { id?: string }).id)).filter((m): m is string => !!m)
          : [...this.sizes.keys()];
        for (const id of missing) {
          this.uploaded.delete(id);
        }
        this.saveJournal();
        await this.send(missing.filter((id) => this.sizes.has(id)).map((id) => ({ id, size: this.sizes.get(id)!, offset: this.offsetOf(chunked, id) })));
      }
    }
  }

  private offsetOf(chunked: ChunkedFile, id: string): number {
    const c = chunked.chunks.find((x) => x.id === id);
    if (!c) {
      throw new UploadError(this.req.path, `the service asked for a chunk this file does not have: ${id}`);
    }
    return c.offset;
  }
}

/**
 * Marks an empty folder (a version with `folder: true`, no content), as Dropbox keeps empty folders. A folder that
 * holds files exists through their paths and needs no marker.
 */
export async function createFolder(api: ApiTransport, path: string, options: { signal?: AbortSignal; retryDelayMs?: number } = {}): Promise<Committed> {
  return callApi<Committed>(api, 'POST', '/v1/commits', {
    path,
    folder: true,
    manifest: { profile: DEFAULT_PROFILE.name, chunks: [] },
    size: 0,
    contentHash: EMPTY_SHA256,
    idempotencyKey: `web-${crypto.randomUUID()}`,
  }, options);
}

export interface UploadOutcome {
  path: string;
  committed?: Committed;
  error?: unknown;
}

export interface UploadManyOptions extends UploadOptions {
  /**
   * Files uploaded at once (default 32), as long as the chunker buffers they may need (their size, at most 5 MiB
   * each) stay within 32 MiB; they share `concurrency` PUTs, and their commits go in batches.
   */
  parallelFiles?: number;
  /** Empty folders to mark (from a folder drop), relative like the files' paths. */
  emptyFolders?: string[];
}

/**
 * Uploads many files (a folder drop), a few at a time, sharing one limit of PUTs in flight. Each file has its own
 * outcome: one failing (a stale parent, a refused name) does not stop the others; an abort stops all.
 */
export async function uploadFiles(api: ApiTransport, requests: UploadRequest[], options: UploadManyOptions = {}): Promise<UploadOutcome[]> {
  const limiter = options.limiter ?? new Limiter(options.concurrency ?? 4);
  const files = new Limiter(options.parallelFiles ?? 32);
  const memory = new Budget(32 << 20);
  const batcher = options.batcher ?? (requests.length > 1 ? new CommitBatcher(api, options) : undefined);
  const grants = options.grants ?? (requests.length > 1 ? new GrantBatcher(api, options) : undefined);
  const outcomes = await Promise.all(requests.map((req) => files.run(async (): Promise<UploadOutcome> => {
    const weight = Math.min(req.file.size, 5 << 20);
    await memory.take(weight);
    try {
      return { path: req.path, committed: await uploadFile(api, req, { ...options, limiter, batcher, grants }) };
    } catch (error) {
      if (options.signal?.aborted) {
        throw error;
      }
      return { path: req.path, error };
    } finally {
      memory.give(weight);
    }
  })));
  for (const folder of options.emptyFolders ?? []) {
    try {
      outcomes.push({ path: folder, committed: await createFolder(api, folder, options) });
    } catch (error) {
      outcomes.push({ path: folder, error });
    }
  }
  return outcomes;
}


/** A byte budget: take() waits until the amount fits (one taker at a time may exceed it when nothing else is held). */
class Budget {
  private used = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async take(n: number): Promise<void> {
    while (this.used > 0 && this.used + n > this.limit) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.used += n;
  }

  give(n: number): void {
    this.used -= n;
    this.waiting.splice(0).forEach((wake) => wake());
  }
}
