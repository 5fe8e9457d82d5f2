import { ApiError, type ApiTransport, type FileEntry } from '../api/types';
import { downloadFile, type DownloadOptions, type Plan } from './download';
import { callApi } from './http';
import { ZipWriter, type ZipOptions } from './zip';

/** A file to upload with its path relative to the dropped or chosen folder's parent ('photos/2024/a.jpg'). */
export interface PickedFile {
  path: string;
  file: File;
}

export interface PickedTree {
  files: PickedFile[];
  /** Folders with nothing in them, relative like the files ('photos/empty'). */
  emptyFolders: string[];
}

/** The files of an `<input type=file webkitdirectory>` (or a multiple file input), with their relative paths. */
export function filesFromInput(files: ArrayLike<File>): PickedFile[] {
  return Array.from(files, (file) => ({ path: file.webkitRelativePath || file.name, file }));
}

/**
 * Walks a dropped entry (`DataTransferItem.webkitGetAsEntry()`): a file gives one pair, a directory every file below
 * it and its empty folders. `readEntries` answers in batches (Chrome: 100), so it is called until it answers none.
 */
export async function walkEntry(entry: FileSystemEntry, prefix = ''): Promise<PickedTree> {
  const tree: PickedTree = { files: [], emptyFolders: [] };
  await walk(entry, prefix, tree);
  return tree;
}

/** Walks every entry of a drop (call `webkitGetAsEntry()` on each item synchronously, in the drop handler). */
export async function walkEntries(entries: (FileSystemEntry | null)[]): Promise<PickedTree> {
  const tree: PickedTree = { files: [], emptyFolders: [] };
  for (const e of entries) {
    if (e) {
      await walk(e, '', tree);
    }
  }
  return tree;
}

async function walk(entry: FileSystemEntry, prefix: string, tree: PickedTree): Promise<void> {
  const path = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    tree.files.push({ path, file });
    return;
  }
  if (!entry.isDirectory) {
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  let any = false;
  while (true) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) {
      break;
    }
    any = true;
    for (const child of batch) {
      await walk(child, path, tree);
    }
  }
  if (!any) {
    tree.emptyFolders.push(path);
  }
}

/** Files per `POST /v1/download-batch` (docs/openapi.yaml: at most 100). */
export const PLAN_BATCH_FILES = 100;

/**
 * The download plans of many files, asked for `PLAN_BATCH_FILES` at a time through `POST /v1/download-batch`, so a
 * folder of small files costs one plan request per hundred files instead of one each. A file the batch did not plan
 * (an error of its own, a service without the route) gets undefined, and downloadFile then asks for its plan alone,
 * where its own error shows. Plans are asked for shortly before their files' turn: their URLs live 15 minutes.
 */
export class BatchPlanner {
  private readonly plans = new Map<number, Promise<Plan | undefined>>();
  private unsupported = false;

  constructor(private readonly api: ApiTransport, private readonly files: FileEntry[], private readonly options: DownloadOptions) {}

  /** The plan of file `i`, a file (not a folder marker); undefined: plan it alone. */
  plan(i: number): Promise<Plan | undefined> {
    if (!this.plans.has(i)) {
      this.ask(i);
    }
    return this.plans.get(i)!;
  }

  private ask(first: number): void {
    const wanted: number[] = [];
    for (let i = first; i < this.files.length && wanted.length < PLAN_BATCH_FILES; i++) {
      if (!this.files[i].folder && !this.plans.has(i)) {
        wanted.push(i);
      }
    }
    if (this.unsupported || wanted.length < 2) {
      wanted.forEach((i) => this.plans.set(i, Promise.resolve(undefined)));
      return;
    }
    const body = { files: wanted.map((i) => ({ path: this.files[i].path, ...(this.files[i].version ? { version: this.files[i].version } : {}) })) };
    const answer = callApi<{ results?: ({ status: number } & Partial<Plan>)[] }>(this.api, 'POST', '/v1/download-batch', body, this.options)
      .catch((e: unknown) => {
        if (e instanceof ApiError && (e.status === 404 || e.status === 405)) {
          this.unsupported = true; // an older service: every file plans alone
        }
        return { results: [] };
      });
    wanted.forEach((i, k) => this.plans.set(i, answer.then((a) => {
      const r = a.results?.[k];
      return r && r.status === 200 && r.version ? (r as Plan) : undefined;
    })));
  }
}

/** Files larger than this are not downloaded ahead of their turn in a zip. */
const AHEAD_MAX_BYTES = 16 << 20;

/** Every current file below `folder` ('' for the root), paging through `GET /v1/files?recursive=true`. */
export async function listRecursive(api: ApiTransport, folder: string, signal?: AbortSignal): Promise<FileEntry[]> {
  const out: FileEntry[] = [];
  let cursor: string | undefined;
  do {
    const q = new URLSearchParams({ folder, recursive: 'true', limit: '1000' });
    if (cursor) {
      q.set('cursor', cursor);
    }
    const page = await callApi<{ files?: FileEntry[]; cursor?: string }>(api, 'GET', `/v1/files?${q}`, undefined, { signal });
    out.push(...(page.files ?? []).filter((f) => !f.deleted));
    cursor = page.cursor;
  } while (cursor);
  return out;
}

export interface ZipProgress {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

export interface ZipFolderOptions extends DownloadOptions, ZipOptions {
  onZipProgress?: (p: ZipProgress) => void;
  /** Files downloading at once ahead of the one the zip takes (default 4). */
  filesAhead?: number;
}

/**
 * A zip of every file below `folder`, made in the browser: each file downloaded (and checked) as downloadFile does,
 * stored under the folder's own name ('docs/a/b.txt' for folder 'docs'; relative paths for the root). Empty folders'
 * markers become directory entries, symbolic links link entries, executable files keep mode 755 (unzip restores
 * both). A few files download at once (each with its chunks in parallel); the zip takes
 * them in listing order.
 */
export async function zipFolder(api: ApiTransport, folder: string, options: ZipFolderOptions = {}): Promise<Blob> {
  const base = folder.replace(/^\/+|\/+$/g, '');
  const files = await listRecursive(api, base, options.signal);
  const top = base.split('/').pop() ?? '';
  const zip = new ZipWriter(options);
  const progress: ZipProgress = { filesDone: 0, filesTotal: files.length, bytesDone: 0,
    bytesTotal: files.reduce((n, f) => n + (f.size ?? 0), 0) };
  options.onZipProgress?.({ ...progress });
  // Up to `ahead` files download while the zip takes them in listing order (small files are latency-bound).
  const ahead = options.filesAhead ?? 4;
  const planner = new BatchPlanner(api, files, options);
  const started = new Map<number, Promise<Blob>>();
  const start = (i: number) => {
    const f = files[i];
    if (f && !f.folder && !started.has(i)) {
      const p = planner.plan(i).then((plan) => downloadFile(api, f.path, f.version, { ...options, plan })).then((d) => d.blob);
      p.catch(() => undefined); // awaited below in order; this only keeps an early failure from going unhandled
      started.set(i, p);
    }
  };
  for (let i = 0; i < files.length; i++) {
    const f = files[i];
    start(i);
    for (let j = i + 1; j < i + ahead && j < files.length; j++) {
      if ((files[j].size ?? 0) <= AHEAD_MAX_BYTES) {
        start(j); // large files only when their turn comes: at most one in memory at a time
      }
    }
    const rel = base && f.path.toLowerCase().startsWith(`${base.toLowerCase()}/`) ? f.path.slice(base.length + 1) : f.path;
    const name = top ? `${top}/${rel}` : rel;
    const modified = f.clientMtime ? new Date(f.clientMtime) : new Date();
    if (f.folder) {
      zip.addDirectory(name, modified);
    } else {
      const blob = await started.get(i)!;
      started.delete(i);
      if (f.link) {
        zip.addSymlink(name, new TextDecoder().decode(await blob.arrayBuffer()), modified); // its content is the target
      } else {
        await zip.addFile(name, blob, modified, options.signal, f.executable ? 'executable' : 'file');
      }
      progress.bytesDone += f.size ?? 0;
    }
    progress.filesDone++;
    options.onZipProgress?.({ ...progress });
  }
  return zip.finish();
}
