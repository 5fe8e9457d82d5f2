/**
 * The upload's content hash (a commit's `contentHash`: SHA-256 of the whole file) in a dedicated Worker, so that it
 * runs on another core while the page's thread cuts the file and hashes its chunks (chunker.ts). Message in:
 * `{blob, readSize}`; out: `{hex}` or `{error}`.
 */
import { Sha256 } from './sha256';

interface Scope {
  onmessage: ((e: MessageEvent<{ blob: Blob; readSize: number }>) => void) | null;
  postMessage(message: unknown): void;
}
const scope = self as unknown as Scope;

scope.onmessage = (e) => {
  const { blob, readSize } = e.data;
  hash(blob, readSize).then((hex) => scope.postMessage({ hex }), (err: unknown) => scope.postMessage({ error: String(err) }));
};

async function hash(blob: Blob, readSize: number): Promise<string> {
  const h = new Sha256();
  const total = blob.size;
  const read = (p: number) => blob.slice(p, Math.min(total, p + readSize)).arrayBuffer();
  let next = total > 0 ? read(0) : undefined;
  for (let p = 0; p < total; p += readSize) {
    const piece = new Uint8Array(await next!);
    // The next piece is read while this one is hashed.
    next = p + readSize < total ? read(p + readSize) : undefined;
    next?.catch(() => undefined);
    if (piece.length !== Math.min(readSize, total - p)) {
      throw new Error(`the file changed while it was read (${p + piece.length} of ${total} bytes)`);
    }
    h.update(piece);
  }
  return h.hex();
}
