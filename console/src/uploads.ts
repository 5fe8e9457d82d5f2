// The app's uploads: what the upload panel shows (per-file progress, errors, conflicts, "resumed"), on top of the
// transfer engine (src/transfer). One manager per page; the views subscribe to it.
import { ApiError, type ApiTransport, type FileEntry } from './api/types';
import { baseName, conflictedCopyName, parentOf } from './format';
import { StaleParentError, uploadFiles, type PickedTree, type UploadJournal, type UploadManyOptions, type UploadRequest } from './transfer';
import { journalKey } from './transfer/journal';

export type ItemState = 'waiting' | 'hashing' | 'uploading' | 'committing' | 'done' | 'failed' | 'conflict' | 'cancelled';

export interface UploadItem {
  id: number;
  /** The file's path in the store. */
  path: string;
  size: number;
  sent: number;
  state: ItemState;
  /** The journal had this file: chunks already PUT before a reload are not sent again. */
  resumed: boolean;
  /** A new version of a file that existed (its head as parent). */
  replacing: boolean;
  error?: string;
}

export interface UploadSnapshot {
  items: UploadItem[];
  /** Set when the session ended during an upload: what the user has to do. */
  notice?: string;
  busy: boolean;
}

/** Where the names of files an interrupted upload still had to finish are kept (this tab only). */
export const PENDING_KEY = 'chunkvault.pendingUploads';

/** An error as the panel shows it (text; the service's own message for a refused name). */
export function uploadErrorText(e: unknown): string {
  if (e instanceof StaleParentError) {
    return 'Conflict: this file was changed elsewhere while it was uploaded; nothing was overwritten. Keep both, or replace the other version (it stays in the history).';
  }
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

/** The device name a browser's conflicted copies carry. */
const DEVICE = 'web browser';

export class UploadManager {
  private items: UploadItem[] = [];
  private notice?: string;
  private running = 0;
  private nextId = 1;
  private readonly listeners = new Set<() => void>();
  private readonly aborts = new Set<AbortController>();
  private snapshot: UploadSnapshot = { items: [], busy: false };
  /** What a conflicted upload needs to be sent again: its file, the API and the batch's refresh, by item id. */
  private readonly conflicts = new Map<number, { api: ApiTransport; file: File; onFinished?: () => void }>();

  /** `extra`: options for the engine (tests give their fake S3's fetch). */
  constructor(private readonly journal: () => UploadJournal | undefined, private readonly extra: UploadManyOptions = {}) {}

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  get state(): UploadSnapshot {
    return this.snapshot;
  }

  get busy(): boolean {
    return this.running > 0;
  }

  /** The session ended during an upload and the user has not signed in again yet. */
  get expired(): boolean {
    return !!this.notice;
  }

  private changed(): void {
    this.snapshot = { items: this.items.map((i) => ({ ...i })), notice: this.notice, busy: this.running > 0 };
    this.listeners.forEach((fn) => fn());
  }

  /** Stops every upload in flight (the journal keeps what was sent). */
  cancel(): void {
    this.aborts.forEach((a) => a.abort(new DOMException('Cancelled', 'AbortError')));
  }

  /** Whether the conflicted upload `id` can still be kept as a copy or sent as a replacement. */
  canResolve(id: number): boolean {
    return this.conflicts.has(id);
  }

  /**
   * Keeps both versions of a conflicted upload: the file goes up again as a conflicted copy next to the other version
   * (`name (conflicted copy web browser <time>).ext`, the sync client's naming), so neither edit is lost.
   */
  keepBoth(id: number, now: Date = new Date()): Promise<void> {
    return this.resolve(id, (item) => conflictedCopyName(baseName(item.path), DEVICE, now));
  }

  /** Sends a conflicted upload again over the version that is there now; that version stays in the file's history. */
  replace(id: number): Promise<void> {
    return this.resolve(id, (item) => baseName(item.path));
  }

  private async resolve(id: number, nameOf: (item: UploadItem) => string): Promise<void> {
    const c = this.conflicts.get(id);
    const item = this.items.find((i) => i.id === id);
    if (!c || !item) return;
    this.conflicts.delete(id);
    this.items = this.items.filter((i) => i.id !== id);
    const folder = parentOf(item.path);
    await this.start(c.api, { files: [{ path: nameOf(item), file: c.file }], emptyFolders: [] }, folder, c.onFinished);
  }

  private forgetGoneConflicts(): void {
    for (const id of [...this.conflicts.keys()]) {
      if (!this.items.some((i) => i.id === id)) this.conflicts.delete(id);
    }
  }

  /** Removes finished rows. */
  clear(): void {
    this.items = this.items.filter((i) => !isFinal(i.state));
    this.forgetGoneConflicts();
    this.notice = undefined;
    this.changed();
  }

  /**
   * The session ended (401) while uploading: stop, keep the journal, remember which files were unfinished, and say
   * what to do. `signIn` is offered as the panel's button.
   */
  sessionExpired(): void {
    if (this.notice) return;
    const unfinished = this.items.filter((i) => !isFinal(i.state)).map((i) => i.path);
    try {
      sessionStorage.setItem(PENDING_KEY, JSON.stringify(unfinished));
    } catch { /* storage full or blocked: the message still says what to do */ }
    this.notice = 'Your session has expired. Sign in again, then add the same files again: the upload resumes where it stopped.';
    this.cancel();
    this.changed();
  }

  /** Files an upload left unfinished before a sign-in (and forgets them). */
  static takePending(): string[] {
    try {
      const s = sessionStorage.getItem(PENDING_KEY);
      sessionStorage.removeItem(PENDING_KEY);
      const v = s ? JSON.parse(s) : [];
      return Array.isArray(v) ? v.filter((x) => typeof x === 'string') : [];
    } catch {
      return [];
    }
  }

  /**
   * Uploads a picked tree (paths relative to `folder`) into `folder`. A file that exists is sent as a new version of
   * its current head (read now, per folder); if that head changes meanwhile the service refuses it: a conflict.
   * `onFinished` runs when the batch is over (to refresh the listing).
   */
  async start(api: ApiTransport, tree: PickedTree, folder: string, onFinished?: () => void): Promise<void> {
    const prefix = folder ? `${folder}/` : '';
    const picked = tree.files.map((f) => ({ ...f, path: prefix + f.path }));
    if (picked.length === 0 && tree.emptyFolders.length === 0) return;
    const abort = new AbortController();
    this.aborts.add(abort);
    this.running++;
    this.notice = undefined;
    const mine = picked.map((f): UploadItem => ({
      id: this.nextId++, path: f.path, size: f.file.size, sent: 0, state: 'waiting', resumed: false, replacing: false,
    }));
    const byPath = new Map(mine.map((i) => [i.path, i]));
    this.items = [...this.items.filter((i) => !isFinal(i.state) || !byPath.has(i.path)), ...mine];
    this.forgetGoneConflicts();
    this.changed();
    const journal = this.journal();
    try {
      const heads = await this.heads(api, [...new Set(picked.map((f) => parentOf(f.path)))], abort.signal);
      const requests: UploadRequest[] = [];
      for (const f of picked) {
        const item = byPath.get(f.path)!;
        const head = heads.get(f.path);
        item.replacing = !!head;
        const rec = await journal?.get(journalKey(f.path, f.file.size, f.file.lastModified)).catch(() => undefined);
        item.resumed = !!rec && (rec.uploaded.length > 0 || !!rec.idempotencyKey);
        requests.push({ path: f.path, file: f.file, lastModified: f.file.lastModified, parentVersion: head?.version });
      }
      this.changed();
      const outcomes = await uploadFiles(api, requests, {
        ...this.extra,
        journal, signal: abort.signal,
        emptyFolders: tree.emptyFolders.map((d) => prefix + d),
        onProgress: (p) => {
          const item = byPath.get(p.path);
          if (!item) return;
          item.sent = p.sentBytes;
          item.state = p.phase === 'failed' ? item.state : p.phase;
          this.changed();
        },
      });
      for (const o of outcomes) {
        const item = byPath.get(o.path);
        if (!item) continue;
        if (o.error instanceof ApiError && o.error.status === 401) {
          item.state = 'cancelled';
          item.error = 'Stopped: the session expired. Sign in again and add this file again to resume.';
        } else if (o.error) {
          item.state = o.error instanceof StaleParentError ? 'conflict' : 'failed';
          item.error = uploadErrorText(o.error);
          const file = picked.find((f) => f.path === o.path)?.file;
          if (item.state === 'conflict' && file) this.conflicts.set(item.id, { api, file, onFinished });
        } else {
          item.state = 'done';
          item.sent = item.size;
        }
      }
    } catch (e) {
      const cancelled = abort.signal.aborted;
      for (const item of mine) {
        if (isFinal(item.state)) continue;
        item.state = cancelled ? 'cancelled' : 'failed';
        item.error = cancelled ? (this.notice ? 'Stopped: sign in again and add it again to resume.' : 'Cancelled.') : uploadErrorText(e);
      }
    } finally {
      this.aborts.delete(abort);
      this.running--;
      this.changed();
      if (!this.notice) onFinished?.();
    }
  }

  /** The heads of the files in these folders (one listing per folder). */
  private async heads(api: ApiTransport, folders: string[], signal: AbortSignal): Promise<Map<string, FileEntry>> {
    const out = new Map<string, FileEntry>();
    for (const folder of folders) {
      let cursor: string | undefined;
      do {
        const q = new URLSearchParams({ folder, limit: '1000' });
        if (cursor) q.set('cursor', cursor);
        const page = await api.request<{ files?: FileEntry[]; cursor?: string }>('GET', `/v1/files?${q}`, undefined, signal)
          .catch((e: unknown) => {
            if (e instanceof ApiError && e.status === 404) return { files: [], cursor: undefined };
            throw e;
          });
        for (const f of page.files ?? []) {
          if (!f.deleted && !f.folder) out.set(f.path, f);
        }
        cursor = page.cursor;
      } while (cursor);
    }
    return out;
  }
}

function isFinal(s: ItemState): boolean {
  return s === 'done' || s === 'failed' || s === 'conflict' || s === 'cancelled';
}
