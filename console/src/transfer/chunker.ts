import { ChunkingProfile, FastCdc } from './fastcdc';
import { Sha256, sha256Hex, toHex } from './sha256';

/** One chunk of a file: where it starts, its length, and the SHA-256 of its bytes (lowercase hex). */
export interface ChunkInfo {
  readonly offset: number;
  readonly size: number;
  readonly id: string;
}

/** A file cut and hashed: what a commit's manifest, size and content hash are made of. */
export interface ChunkedFile {
  readonly profile: string;
  readonly size: number;
  /** SHA-256 of the whole content, lowercase hex. */
  readonly contentHash: string;
  readonly chunks: readonly ChunkInfo[];
}

export interface ChunkOptions {
  signal?: AbortSignal;
  /** Called with each chunk once it is hashed, in file order (awaited: a slow consumer slows the chunker). */
  onChunk?: (chunk: ChunkInfo) => void | Promise<void>;
  /** Bytes cut and hashed so far. */
  onProgress?: (bytesDone: number) => void;
  /** Bytes read from the Blob per read (default 4 MiB); the buffer is this plus the profile's maximum chunk size. */
  readSize?: number;
  /**
   * Hash the whole content in a Worker, on another core, while this thread cuts and hashes the chunks (default: where
   * the page can start one; never in Node). If the Worker fails, the content is hashed here after the cut.
   */
  contentInWorker?: boolean;
}

/** How many chunk digests WebCrypto may be computing at once. */
const DIGESTS_IN_FLIGHT = 8;

/**
 * Cuts `blob` with `profile` and hashes every chunk (WebCrypto) and the whole content (incremental SHA-256), reading
 * the Blob in pieces through one buffer of `readSize + maxSize` bytes: a 1 GB file is never in memory. The result is the
 * Java client's (Chunker): a chunk is cut only when `maxSize` bytes past its start are buffered or the input ended.
 */
export async function chunkBlob(blob: Blob, profile: ChunkingProfile, options: ChunkOptions = {}): Promise<ChunkedFile> {
  const cdc = FastCdc.of(profile);
  const maxSize = profile.maxSize;
  const readSize = Math.max(64 << 10, options.readSize ?? 4 << 20);
  const total = blob.size;
  const buffer = new Uint8Array(Math.min(total, maxSize + readSize));
  // A file that fits the buffer is never moved in it: WebCrypto hashes it whole at the end (5 times faster than the
  // incremental SHA-256, which is what bounds the chunker's speed on large files).
  const whole = buffer.length === total;
  const signal = options.signal;
  // A larger file's content hash (the incremental SHA-256, 5 times slower than WebCrypto) goes to a Worker if it can.
  const stopWorker = new AbortController();
  const inWorker = whole || options.contentInWorker === false ? undefined : hashInWorker(blob, readSize, stopWorker.signal);
  const content = whole || inWorker ? undefined : new Sha256();
  const chunks: ChunkInfo[] = [];
  const pending: Promise<void>[] = [];
  let start = 0; // first unchunked byte in buffer
  let limit = 0; // end of buffered bytes
  let readPos = 0; // next byte of the blob to read
  let offset = 0; // file offset of buffer[start]

  try {
    while (true) {
      signal?.throwIfAborted();
      while (readPos < total && limit - start < maxSize) {
        if (buffer.length - limit < Math.min(readSize, total - readPos)) {
          buffer.copyWithin(0, start, limit);
          limit -= start;
          start = 0;
        }
        const n = Math.min(readSize, total - readPos, buffer.length - limit);
        const piece = new Uint8Array(await blob.slice(readPos, readPos + n).arrayBuffer());
        if (piece.length !== n) {
          throw new Error(`the file changed while it was read (${readPos + piece.length} of ${total} bytes)`);
        }
        buffer.set(piece, limit);
        limit += n;
        readPos += n;
      }
      if (start === limit) {
        break;
      }
      const n = cdc.cut(buffer, start, limit - start);
      const bytes = buffer.subarray(start, start + n);
      content?.update(bytes);
      const index = chunks.length;
      const chunkOffset = offset;
      chunks.push({ offset: chunkOffset, size: n, id: '' });
      // WebCrypto copies the bytes when digest() is called, so the buffer may be reused at once.
      const digest = crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>).then((d) => {
        chunks[index] = { offset: chunkOffset, size: n, id: toHex(new Uint8Array(d)) };
      });
      pending.push(digest);
      start += n;
      offset += n;
      if (pending.length >= DIGESTS_IN_FLIGHT) {
        await flush(pending, chunks, index + 1 - pending.length, options, offset);
      }
    }
    await flush(pending, chunks, chunks.length - pending.length, options, offset);
    const contentHash = content ? content.hex()
      : inWorker ? await inWorker.catch(() => hashBlob(blob, readSize, signal))
        : await sha256Hex(buffer);
    return { profile: profile.name, size: total, contentHash, chunks };
  } finally {
    stopWorker.abort();
  }
}

/** SHA-256 of a Blob read in pieces, in this thread (lowercase hex). */
export async function hashBlob(blob: Blob, readSize = 4 << 20, signal?: AbortSignal): Promise<string> {
  const h = new Sha256();
  for (let p = 0; p < blob.size; p += readSize) {
    signal?.throwIfAborted();
    const piece = new Uint8Array(await blob.slice(p, Math.min(blob.size, p + readSize)).arrayBuffer());
    if (piece.length !== Math.min(readSize, blob.size - p)) {
      throw new Error(`the file changed while it was read (${p + piece.length} of ${blob.size} bytes)`);
    }
    h.update(piece);
  }
  return h.hex();
}

/**
 * SHA-256 of a Blob in a dedicated Worker (hashWorker.ts), or undefined where no Worker can be started (Node, a test).
 * The promise rejects if the Worker fails or `stop` is aborted (the Worker is then ended).
 */
function hashInWorker(blob: Blob, readSize: number, stop: AbortSignal): Promise<string> | undefined {
  if (typeof Worker === 'undefined' || typeof window === 'undefined') {
    return undefined;
  }
  let worker: Worker;
  try {
    worker = new Worker(new URL('./hashWorker.ts', import.meta.url), { type: 'module' });
  } catch {
    return undefined;
  }
  const result = new Promise<string>((resolve, reject) => {
    const end = () => {
      worker.terminate();
      stop.removeEventListener('abort', onStop);
    };
    const onStop = () => {
      end();
      reject(new Error('stopped'));
    };
    stop.addEventListener('abort', onStop, { once: true });
    worker.onmessage = (e: MessageEvent<{ hex?: string; error?: string }>) => {
      end();
      if (e.data.hex) resolve(e.data.hex);
      else reject(new Error(e.data.error ?? 'the hashing Worker gave no answer'));
    };
    worker.onerror = (e) => {
      end();
      reject(new Error(e.message || 'the hashing Worker failed'));
    };
    worker.postMessage({ blob, readSize });
  });
  result.catch(() => undefined); // awaited only after the cut; a failure then falls back to hashing here
  return result;
}

async function flush(pending: Promise<void>[], chunks: ChunkInfo[], first: number, options: ChunkOptions,
  done: number): Promise<void> {
  const n = pending.length;
  await Promise.all(pending);
  pending.length = 0;
  if (options.onChunk) {
    for (let i = first; i < first + n; i++) {
      await options.onChunk(chunks[i]);
    }
  }
  options.onProgress?.(done);
}
