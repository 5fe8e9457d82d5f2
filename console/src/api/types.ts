// The API's shapes (docs/openapi.yaml) as the console uses them, and the transport the transfer module codes against.

export interface ApiTransport {
  /** JSON request to the API (path like '/v1/uploads'); resolves to the parsed JSON body; rejects with ApiError on non-2xx. */
  request<T = unknown>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown, signal?: AbortSignal): Promise<T>;
}
/** A non-2xx answer. `details` is the error body's `details` when it has them (MISSING_CHUNKS' chunk ids, STALE_PARENT's head). */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details?: Record<string, unknown>) { super(message); }
}

/** A file's head, as /v1/files and /v1/file answer it. */
export interface FileEntry {
  path: string;
  version: string;
  size: number;
  contentHash?: string;
  deleted?: boolean;
  clientMtime?: string;
  updatedAt?: string;
  executable?: boolean;
  link?: boolean;
  folder?: boolean;
  originalName?: string;
}

/** One page of a folder's listing. */
export interface Listing {
  files: FileEntry[];
  folders: string[];
  cursor?: string;
  changeCursor?: string;
}

/** One version of a file, as /v1/history answers it. */
export interface Version {
  path: string;
  versionId: string;
  seq?: number;
  parent?: string;
  size: number;
  contentHash?: string;
  clientMtime?: string;
  createdAt: string;
  deleted?: boolean;
  chunkCount?: number;
  executable?: boolean;
  link?: boolean;
  folder?: boolean;
  originalName?: string;
}

export interface History {
  path: string;
  versions: Version[];
  cursor?: string;
}

export interface Usage {
  logicalBytes: number;
  files: number;
  versions: number;
  historyBytes: number;
  quota?: number;
  storedBytes?: number;
  storedBytesAt?: string;
}

/** What a commit, /v1/delete and /v1/restore answer. */
export interface Committed {
  outcome: 'created' | 'replayed' | 'unchanged';
  version: Version;
}

export interface RewindChange {
  path: string;
  action?: 'RESTORE' | 'DELETE' | 'UNDELETE';
  status: 'PLANNED' | 'DONE' | 'SKIPPED';
  fromVersion?: string;
  toVersion?: string;
  newVersion?: string;
  reason?: string;
  message?: string;
}

export interface RewindPage {
  folder: string;
  to: string;
  dryRun: boolean;
  changes: RewindChange[];
  examined: number;
  unchanged: number;
  cursor?: string;
  retainedSince?: string;
}
