import type { ChunkedFile } from './chunker';

/**
 * The upload journal: what a page (or the page after a reload) already did for a file it is asked to upload again.
 *
 * What "resumable" means here, precisely:
 * - A file is the same file when its target path, size and lastModified are the same (the key). Then its chunking
 *   (profile, chunk ids and sizes, content hash) is taken from the journal instead of reading and hashing it again;
 *   a file changed on disk with the same size and lastModified is not noticed (as with any sync client's mtime check;
 *   the service still refuses chunks whose bytes are not their id, so nothing wrong can be committed: S3 checks each
 *   PUT body against its signed SHA-256).
 * - A chunk is journaled once its presigned PUT has succeeded. After a reload such chunks are not sent again; the
 *   commit proves them (the service HEADs each one). If one has gone meanwhile (a chunk uploaded and never committed
 *   is collected by GC after its grace period, 24 h by default), the commit answers 422 MISSING_CHUNKS and that chunk
 *   is uploaded again: the journal is only ever a hint, never trusted for correctness.
 * - Chunks the service already holds for the user (from any earlier commit, any device) are answered `have` by the
 *   grant and are never sent, journal or not.
 * - The commit's idempotency key is journaled before the first commit request, so a commit that succeeded just
 *   before a reload is answered `replayed` (the same version) on resume, not a conflict with itself.
 * - Not resumed: a chunk whose PUT was cut halfway is sent again whole (at most 8 MiB, usually 256 KiB), and the
 *   grants (presigned URLs live 10 minutes) are asked for again.
 * After the commit the record is removed.
 */
export interface JournalRecord {
  /** The chunking of the file, once it was read. */
  chunked?: ChunkedFile;
  /** Ids of chunks whose PUT succeeded. */
  uploaded: string[];
  /** The commit's idempotency key, fixed before the first commit request. */
  idempotencyKey?: string;
}

export interface UploadJournal {
  get(key: string): Promise<JournalRecord | undefined>;
  put(key: string, record: JournalRecord): Promise<void>;
  delete(key: string): Promise<void>;
}

/** The journal key of a file upload: target path, size, lastModified. */
export function journalKey(path: string, size: number, lastModified: number): string {
  return `${size}:${lastModified}:${path}`;
}

/** A journal in memory: for tests, and where IndexedDB is not available (nothing survives a reload). */
export class MemoryJournal implements UploadJournal {
  private readonly records = new Map<string, JournalRecord>();

  async get(key: string): Promise<JournalRecord | undefined> {
    const r = this.records.get(key);
    return r && structuredClone(r);
  }

  async put(key: string, record: JournalRecord): Promise<void> {
    this.records.set(key, structuredClone(record));
  }

  async delete(key: string): Promise<void> {
    this.records.delete(key);
  }

  get size(): number {
    return this.records.size;
  }
}

/** The journal in the browser's IndexedDB (database `chunkvault-transfer`, store `uploads`), per origin and user. */
export class IndexedDbJournal implements UploadJournal {
  private db?: Promise<IDBDatabase>;

  /** `user` keeps two accounts signed in one after the other in the same browser apart. */
  constructor(private readonly user: string, private readonly factory: IDBFactory = indexedDB) {}

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise((resolve, reject) => {
      const req = this.factory.open('chunkvault-transfer', 1);
      req.onupgradeneeded = () => req.result.createObjectStore('uploads');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    return this.db;
  }

  private async run<T>(mode: IDBTransactionMode, f: (s: IDBObjectStore) => IDBRequest): Promise<T> {
    const db = await this.open();
    return new Promise<T>((resolve, reject) => {
      const tx = db.transaction('uploads', mode);
      const req = f(tx.objectStore('uploads'));
      tx.oncomplete = () => resolve(req.result as T);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }

  get(key: string): Promise<JournalRecord | undefined> {
    return this.run('readonly', (s) => s.get(`${this.user}\u0000${key}`));
  }

  async put(key: string, record: JournalRecord): Promise<void> {
    await this.run('readwrite', (s) => s.put(record, `${this.user}\u0000${key}`));
  }

  async delete(key: string): Promise<void> {
    await this.run('readwrite', (s) => s.delete(`${this.user}\u0000${key}`));
  }
}
