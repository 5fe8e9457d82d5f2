import { decompress } from 'fzstd';
import type { ApiTransport, Version } from '../api/types';
import { callApi, fetchWithDeadline, type FetchFn, Limiter, sendableHeaders, stallDeadlineMs } from './http';
import { LARGE_PROFILE } from './fastcdc';
import { Sha256, sha256Hex, toHex } from './sha256';

/** Bytes that are not what the service said they are (a chunk's SHA-256, a manifest's hash, a file's content hash). */
export class IntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IntegrityError';
  }
}

/** S3 refused a presigned GET (403: expired, most likely). */
class UrlRefused extends Error {}

interface ManifestEntry {
  id: string;
  size: number;
}

interface PlanChunk {
  id: string;
  url: string;
  headers?: Record<string, string>;
  offset?: number;
  length?: number;
  encoding?: 'zstd';
  plainLength?: number;
}

/** A download plan (`POST /v1/downloads`' answer). */
export interface Plan {
  version: Version;
  profile?: string;
  manifest?: { profile: string; chunks: ManifestEntry[] };
  manifestUrl?: { url: string; headers?: Record<string, string> };
  manifestHash?: string;
  chunks?: PlanChunk[];
  allChunks?: boolean;
}

export interface DownloadProgress {
  path: string;
  totalBytes: number;
  receivedBytes: number;
}

export interface DownloadOptions {
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  /** GETs in flight at once (default 4). */
  concurrency?: number;
  fetch?: FetchFn;
  retryDelayMs?: number;
  /** A GET with no answer after this many ms is aborted and retried (default: stallDeadlineMs of its size). */
  stallMs?: number;
}

export interface DownloadedFile {
  blob: Blob;
  version: Version;
  /** The profile the version was cut with: pass it as an upload's baseProfile when replacing the file. */
  profile?: string;
}

/** Neighbouring ranges of one pack closer than this are read by one GET (as the Java client's RangeFetcher). */
const COALESCE_GAP = 64 << 10;
/** A whole chunk object whose size the plan does not give is at most the largest profile's chunk. */
const MAX_CHUNK_BYTES = LARGE_PROFILE.maxSize;
const MAX_RANGE = 16 << 20;
/** Chunk blobs merged into one Blob every this many bytes, so the browser can keep them out of the JS heap. */
const MERGE_BYTES = 32 << 20;

/**
 * Downloads one version of a file (the head when `version` is absent) as a Blob: the download plan
 * (`POST /v1/downloads`, more plans while `allChunks` is false), the chunks through their presigned GETs (ranged reads
 * of packs, neighbouring ranges coalesced), each chunk decoded if stored zstd-compressed (bounded by its plain length)
 * and checked against its SHA-256 id, and the whole content against the version's content hash.
 */
export async function downloadFile(api: ApiTransport, path: string, version?: string,
  options: DownloadOptions & { plan?: Plan } = {}): Promise<DownloadedFile> {
  const body: Record<string, unknown> = { path };
  if (version) {
    body.version = version;
  }
  // A plan from a batch (`POST /v1/download-batch`, folders.ts) saves this file its own request.
  const plan = options.plan ?? await callApi<Plan>(api, 'POST', '/v1/downloads', body, options);
  const fetchFn: FetchFn = options.fetch ?? ((input, init) => fetch(input, init));
  const entries = await manifestOf(plan, fetchFn, options.signal);
  const total = entries.reduce((n, e) => n + e.size, 0);
  if (total !== plan.version.size) {
    throw new IntegrityError(`${path}: the manifest's chunks add up to ${total} bytes, the version has ${plan.version.size}`);
  }
  const sizes = new Map(entries.map((e) => [e.id, e.size]));
  const progress: DownloadProgress = { path, totalBytes: total, receivedBytes: 0 };
  options.onProgress?.({ ...progress });
  const blobs = new Map<string, Blob>();
  let planChunks = plan.chunks ?? [];
  let had = -1;
  const limiter = new Limiter(options.concurrency ?? 4);
  let refusals = 0;
  while (true) {
    try {
      await fetchChunks(planChunks, sizes, blobs, fetchFn, limiter, options, (n) => {
        progress.receivedBytes += n;
        options.onProgress?.({ ...progress });
      });
    } catch (e) {
      // A presigned GET lives 15 minutes: a long download asks for a plan of what it still lacks.
      if (!(e instanceof UrlRefused) || ++refusals > 3) {
        throw e;
      }
      had = -1;
    }
    const lacking = [...sizes.keys()].filter((id) => !blobs.has(id));
    if (lacking.length === 0) {
      break;
    }
    if (blobs.size === had) {
      throw new IntegrityError(`${path}: the plan gave no URL for ${lacking.length} chunk(s)`);
    }
    had = blobs.size;
    const more = await callApi<Plan>(api, 'POST', '/v1/downloads',
      { path, version: plan.version.versionId, chunks: lacking.slice(0, 1000) }, options);
    planChunks = more.chunks ?? [];
  }
  // Assemble in manifest order, merging every MERGE_BYTES, and check the content hash on the way.
  const content = new Sha256();
  const merged: Blob[] = [];
  let run: Blob[] = [];
  let runBytes = 0;
  for (const e of entries) {
    const b = blobs.get(e.id)!;
    content.update(new Uint8Array(await b.arrayBuffer()));
    run.push(b);
    runBytes += e.size;
    if (runBytes >= MERGE_BYTES) {
      merged.push(new Blob(run));
      run = [];
      runBytes = 0;
    }
  }
  merged.push(new Blob(run));
  const hash = content.hex();
  if (plan.version.contentHash && hash !== plan.version.contentHash) {
    throw new IntegrityError(`${path}: content hash ${hash}, the version says ${plan.version.contentHash}`);
  }
  return { blob: new Blob(merged, { type: 'application/octet-stream' }), version: plan.version, profile: plan.profile ?? plan.manifest?.profile };
}

async function manifestOf(plan: Plan, fetchFn: FetchFn, signal?: AbortSignal): Promise<ManifestEntry[]> {
  if (plan.manifest) {
    return plan.manifest.chunks;
  }
  if (!plan.manifestUrl) {
    return [];
  }
  const res = await fetchFn(plan.manifestUrl.url, { headers: sendableHeaders(plan.manifestUrl.headers), signal });
  if (!res.ok) {
    throw new Error(`GET of the manifest failed: ${res.status}`);
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (plan.manifestHash && (await sha256Hex(bytes)) !== plan.manifestHash) {
    throw new IntegrityError('the manifest is not the one the version names');
  }
  return decodeManifest(bytes).chunks;
}

/**
 * Decodes a binary manifest (core's Manifest: "CVM1", varint length + UTF-8 profile name, varint entry count, then per
 * entry the 32-byte id and the size as an unsigned LEB128 varint).
 */
export function decodeManifest(bytes: Uint8Array): { profile: string; chunks: ManifestEntry[] } {
  let pos = 0;
  const fail = (why: string): never => {
    throw new IntegrityError(`not a CVM1 manifest: ${why}`);
  };
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (pos >= bytes.length) {
        fail('truncated');
      }
      const b = bytes[pos++];
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        return value;
      }
      scale *= 128;
    }
    return fail('varint too long');
  };
  if (bytes.length < 4 || String.fromCharCode(...bytes.subarray(0, 4)) !== 'CVM1') {
    fail('magic');
  }
  pos = 4;
  const nameLength = varint();
  if (pos + nameLength > bytes.length) {
    fail('truncated');
  }
  const profile = new TextDecoder().decode(bytes.subarray(pos, pos + nameLength));
  pos += nameLength;
  const count = varint();
  const chunks: ManifestEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (pos + 32 > bytes.length) {
      fail('truncated');
    }
    const id = toHex(bytes.subarray(pos, pos + 32));
    pos += 32;
    chunks.push({ id, size: varint() });
  }
  if (pos !== bytes.length) {
    fail('trailing bytes');
  }
  return { profile, chunks };
}

interface Range {
  url: string;
  headers?: Record<string, string>;
  start?: number;
  end?: number; // exclusive
  parts: PlanChunk[];
}

/** Groups the plan's chunks into GETs: a whole object each, or coalesced ranges of one pack. */
export function coalesce(chunks: PlanChunk[]): Range[] {
  const whole: Range[] = [];
  const byUrl = new Map<string, PlanChunk[]>();
  for (const c of chunks) {
    if (c.offset === undefined || c.length === undefined) {
      whole.push({ url: c.url, headers: c.headers, parts: [c] });
    } else {
      const list = byUrl.get(c.url) ?? [];
      list.push(c);
      byUrl.set(c.url, list);
    }
  }
  const ranges: Range[] = [...whole];
  for (const [url, list] of byUrl) {
    list.sort((a, b) => a.offset! - b.offset!);
    let cur: Range | undefined;
    for (const c of list) {
      const s = c.offset!;
      const e = s + c.length!;
      if (cur && s - cur.end! < COALESCE_GAP && e - cur.start! <= MAX_RANGE) {
        cur.end = Math.max(cur.end!, e);
        cur.parts.push(c);
      } else {
        cur = { url, headers: c.headers, start: s, end: e, parts: [c] };
        ranges.push(cur);
      }
    }
  }
  return ranges;
}

async function fetchChunks(chunks: PlanChunk[], sizes: Map<string, number>, blobs: Map<string, Blob>, fetchFn: FetchFn,
  limiter: Limiter, options: DownloadOptions, received: (bytes: number) => void): Promise<void> {
  const wanted = chunks.filter((c) => sizes.has(c.id) && !blobs.has(c.id));
  // Every GET is let finish (or fail) before this returns, so no stray one runs on into the next round.
  const settled = await Promise.allSettled(coalesce(wanted).map((r) => limiter.run(async () => {
    const bytes = await getRange(r, fetchFn, options);
    for (const c of r.parts) {
      const stored = r.start === undefined ? bytes : bytes.subarray(c.offset! - r.start, c.offset! - r.start + c.length!);
      const size = sizes.get(c.id)!;
      const plain = await decode(c, stored, size);
      if ((await sha256Hex(plain)) !== c.id) {
        throw new IntegrityError(`chunk ${c.id} does not hash to its id`);
      }
      blobs.set(c.id, new Blob([plain as Uint8Array<ArrayBuffer>]));
      received(size);
    }
  })));
  const failed = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason);
  if (failed.length > 0) {
    throw failed.find((e) => !(e instanceof UrlRefused)) ?? failed[0];
  }
}

/** A chunk's plain bytes from its stored ones: zstd is decoded into exactly its size, never more (a bomb fails). */
async function decode(c: PlanChunk, stored: Uint8Array, size: number): Promise<Uint8Array> {
  if (!c.encoding) {
    if (stored.length !== size) {
      throw new IntegrityError(`chunk ${c.id}: ${stored.length} bytes, the manifest says ${size}`);
    }
    return stored;
  }
  if (c.encoding !== 'zstd') {
    throw new IntegrityError(`chunk ${c.id}: unknown encoding ${String(c.encoding)}`);
  }
  if (c.plainLength !== undefined && c.plainLength !== size) {
    throw new IntegrityError(`chunk ${c.id}: plain length ${c.plainLength}, the manifest says ${size}`);
  }
  const out = new Uint8Array(size);
  let plain: Uint8Array;
  try {
    plain = decompress(stored, out);
  } catch (e) {
    throw new IntegrityError(`chunk ${c.id}: not a zstd frame of ${size} bytes (${String(e)})`);
  }
  if (plain.length !== size) {
    throw new IntegrityError(`chunk ${c.id}: decodes to ${plain.length} bytes, not ${size}`);
  }
  return plain;
}

async function getRange(r: Range, fetchFn: FetchFn, options: DownloadOptions): Promise<Uint8Array> {
  let delay = options.retryDelayMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    const headers = sendableHeaders(r.headers);
    if (r.start !== undefined) {
      headers.Range = `bytes=${r.start}-${r.end! - 1}`;
    }
    let detail: string;
    const expect = r.start === undefined ? undefined : r.end! - r.start;
    const bytesAtMost = expect ?? r.parts.reduce((n, c) => n + (c.length ?? MAX_CHUNK_BYTES), 0);
    try {
      const got = await fetchWithDeadline(fetchFn, r.url, { headers, signal: options.signal },
        options.stallMs ?? stallDeadlineMs(bytesAtMost),
        async (res) => res.ok
          ? { status: res.status, bytes: new Uint8Array(await res.arrayBuffer()) }
          : { status: res.status, text: (await res.text().catch(() => '')).slice(0, 200) });
      if (got.bytes) {
        const bytes = got.bytes;
        if (expect !== undefined && got.status === 200 && bytes.length > expect) {
          return bytes.subarray(r.start!, r.end!); // a server that ignored the Range header
        }
        if (expect === undefined || bytes.length === expect) {
          return bytes;
        }
        detail = `${bytes.length} bytes for a range of ${expect}`;
      } else {
        detail = `${got.status} ${got.text}`;
        if (got.status === 403) {
          throw new UrlRefused(detail);
        }
      }
    } catch (e) {
      if (options.signal?.aborted || e instanceof UrlRefused) {
        throw e;
      }
      detail = String(e);
    }
    if (attempt >= 3) {
      throw new Error(`GET of ${r.parts.length} chunk(s) failed: ${detail}`);
    }
    await new Promise((res) => setTimeout(res, delay));
    delay *= 2;
  }
}
