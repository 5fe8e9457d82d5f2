// Where the transfer module (console/src/transfer) plugs into the views.
import type { ApiTransport } from './api/types';
import { currentSession } from './auth/session';
import { baseName } from './format';
import { downloadFile as fetchFile, IndexedDbJournal, MemoryJournal, zipFolder, type DownloadProgress, type PickedTree, type UploadJournal, type ZipProgress } from './transfer';
import { UploadManager } from './uploads';

/** Downloads one file (a version of it, or its head) through /v1/downloads, checks it, and saves it in the browser. */
export type DownloadFile = (api: ApiTransport, path: string, version?: string, onProgress?: (p: DownloadProgress) => void) => Promise<void>;
/** Uploads a picked or dropped tree (paths relative to `folder`) into `folder`; progress shows in the upload panel. */
export type StartUpload = (api: ApiTransport, tree: PickedTree, folder: string, onFinished?: () => void) => void;
/** Downloads every file below a folder as one zip made in the browser, and saves it. */
export type DownloadZip = (api: ApiTransport, folder: string, onProgress?: (p: ZipProgress) => void, signal?: AbortSignal) => Promise<void>;

/** Saves a Blob as a file: an object URL and a click on an <a download> (revoked once the browser has it). */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

let journal: UploadJournal | undefined;
let journalUser: string | undefined;
/** The upload journal of the signed-in user (IndexedDB; in memory where IndexedDB is not available). */
function currentJournal(): UploadJournal | undefined {
  const user = currentSession()?.user;
  if (!user) return undefined;
  if (!journal || journalUser !== user) {
    journal = typeof indexedDB === 'undefined' ? new MemoryJournal() : new IndexedDbJournal(user);
    journalUser = user;
  }
  return journal;
}

/** The page's uploads (the upload panel shows them). */
export const uploads = new UploadManager(currentJournal);

export interface TransferHooks { downloadFile?: DownloadFile; startUpload?: StartUpload; downloadZip?: DownloadZip }
export const transferHooks: TransferHooks = {
  downloadFile: async (api, path, version, onProgress) => {
    const got = await fetchFile(api, path, version, { onProgress });
    saveBlob(got.blob, baseName(path));
  },
  startUpload: (api, tree, folder, onFinished) => { void uploads.start(api, tree, folder, onFinished); },
  downloadZip: async (api, folder, onProgress, signal) => {
    const zip = await zipFolder(api, folder, { onZipProgress: onProgress, signal });
    saveBlob(zip, `${folder ? baseName(folder) : 'chunkvault'}.zip`);
  },
};
