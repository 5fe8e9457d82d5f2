// Where the transfer module (console/src/transfer/**, built on its own branch) plugs into the views.
import type { ApiTransport } from './api/types';

/** Downloads one file (a version of it, or its head) through /v1/downloads and saves it in the browser. */
export type DownloadFile = (api: ApiTransport, path: string, version?: string) => Promise<void>;
/** Uploads files (from a drop or a file picker) into a folder, with per-file progress of its own. */
export type StartUpload = (files: File[], folder: string) => void;

/**
 * TODO(transfer): when console/src/transfer merges, set these from it, e.g.
 *   import { downloadFile, startUpload } from './transfer';
 *   export const transferHooks: TransferHooks = { downloadFile, startUpload };
 * Until then the Download button and the drop zone say that transfers are not available yet (nothing is faked).
 */
export interface TransferHooks { downloadFile?: DownloadFile; startUpload?: StartUpload }
export const transferHooks: TransferHooks = {};
