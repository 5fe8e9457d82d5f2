/// <reference types="node" />
/**
 * The console's transfer engine in Node against a real local cloud (over HTTP: the API, s3proxy's presigned URLs),
 * driven by the client module's ConsoleTransferIT, which bundles this file with esbuild and compares bytes on the Java
 * side. Usage:
 *   node transfer-it.mjs upload   API TOKEN LOCAL_DIR REMOTE_FOLDER   every file below LOCAL_DIR, and its empty folders
 *   node transfer-it.mjs download API TOKEN REMOTE_FOLDER LOCAL_DIR   every file below REMOTE_FOLDER, and a zip of it
 * Prints one JSON line of what it did; exits 1 on any failure.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ApiError, type ApiTransport } from '../../../src/api/types';
import { downloadFile } from '../../../src/transfer/download';
import { listRecursive, zipFolder } from '../../../src/transfer/folders';
import { MemoryJournal } from '../../../src/transfer/journal';
import { StaleParentError, uploadFile, uploadFiles, type UploadRequest } from '../../../src/transfer/upload';

class HttpTransport implements ApiTransport {
  constructor(private readonly base: string, private readonly token: string) {}

  async request<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const res = await fetch(this.base + path, {
      method,
      headers: { Authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    const text = await res.text();
    const json = text ? JSON.parse(text) : {};
    if (!res.ok) {
      const e = new ApiError(res.status, json.error ?? 'HTTP_' + res.status, json.message ?? text);
      Object.assign(e, { details: json.details });
      throw e;
    }
    return json as T;
  }
}

function walk(dir: string, out: { files: string[]; empty: string[] }, root = dir): void {
  const names = readdirSync(dir);
  if (names.length === 0 && dir !== root) {
    out.empty.push(relative(root, dir));
  }
  for (const n of names) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) {
      walk(p, out, root);
    } else {
      out.files.push(relative(root, p));
    }
  }
}

async function upload(api: ApiTransport, local: string, remote: string): Promise<unknown> {
  const tree = { files: [] as string[], empty: [] as string[] };
  walk(local, tree);
  const requests: UploadRequest[] = tree.files.map((rel) => ({
    path: `${remote}/${rel}`,
    file: new Blob([readFileSync(join(local, rel))]),
    lastModified: Math.floor(statSync(join(local, rel)).mtimeMs),
  }));
  const journal = new MemoryJournal();
  const started = performance.now();
  const outcomes = await uploadFiles(api, requests, { journal, emptyFolders: tree.empty.map((e) => `${remote}/${e}`) });
  const seconds = (performance.now() - started) / 1000;
  const failed = outcomes.filter((o) => o.error);
  if (failed.length > 0) {
    throw new Error(`failed: ${failed.map((f) => `${f.path}: ${String(f.error)}`).join('; ')}`);
  }
  // An overwrite without the parent is refused (the file exists), never silent; with the parent it is a new version.
  const first = requests[0];
  let stale = false;
  try {
    await uploadFile(api, { path: first.path, file: new Blob(['not this']) });
  } catch (e) {
    stale = e instanceof StaleParentError;
  }
  if (!stale) {
    throw new Error('an overwrite without its parent was not refused as a stale parent');
  }
  const head = outcomes.find((o) => o.path === first.path)!.committed!.version.versionId;
  const again = await uploadFile(api, { ...first, parentVersion: head });
  const bytes = requests.reduce((n, r) => n + r.file.size, 0);
  return { uploaded: outcomes.length, bytes, seconds, mbPerSecond: bytes / 1e6 / seconds, sameContentAgain: again.outcome };
}

async function download(api: ApiTransport, remote: string, local: string): Promise<unknown> {
  const files = await listRecursive(api, remote);
  let bytes = 0;
  const started = performance.now();
  for (const f of files) {
    if (f.folder) {
      continue;
    }
    const d = await downloadFile(api, f.path);
    const target = join(local, 'files', f.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, new Uint8Array(await d.blob.arrayBuffer()));
    bytes += d.blob.size;
  }
  const seconds = (performance.now() - started) / 1000;
  const zip = await zipFolder(api, remote);
  writeFileSync(join(local, 'folder.zip'), new Uint8Array(await zip.arrayBuffer()));
  return { downloaded: files.length, bytes, seconds, mbPerSecond: bytes / 1e6 / seconds, zipBytes: zip.size };
}

async function main(): Promise<void> {
  const [mode, base, token, a, b] = process.argv.slice(2);
  const api = new HttpTransport(base.replace(/\/$/, ''), token);
  const result = mode === 'upload' ? await upload(api, a, b) : await download(api, a, b);
  console.log(JSON.stringify(result));
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
