import { describe, expect, it } from 'vitest';
import { MemoryJournal, uploadFile } from '../src/transfer';
import { UploadManager } from '../src/uploads';
import { FakeService } from './transfer/fake-service';

function file(name: string, bytes: BlobPart, lastModified = 1_700_000_000_000): File {
  return new File([bytes], name, { lastModified });
}
function random(n: number, seed = 7): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

describe('UploadManager', () => {
  it('uploads a tree into the folder shown, and an existing file as a new version of its head', async () => {
    const svc = new FakeService();
    await uploadFile(svc, { path: 'docs/a.txt', file: new Blob(['old']) }, { fetch: svc.fetch });
    const m = new UploadManager(() => new MemoryJournal(), { fetch: svc.fetch, retryDelayMs: 1 });
    let finished = 0;
    await m.start(svc, { files: [{ path: 'a.txt', file: file('a.txt', 'new') },
      { path: 'sub/b.bin', file: file('b.bin', random(300_000)) }], emptyFolders: [] }, 'docs', () => finished++);
    expect(finished).toBe(1);
    const items = m.state.items;
    expect(items.map((i) => [i.path, i.state, i.replacing])).toEqual([['docs/a.txt', 'done', true], ['docs/sub/b.bin', 'done', false]]);
    expect(items.every((i) => i.sent === i.size)).toBe(true);
    expect(svc.heads.get('docs/sub/b.bin')?.size).toBe(300_000);
    expect(m.busy).toBe(false);
  });

  it('marks a file the journal knows as resumed, and does not send its chunks again', async () => {
    const svc = new FakeService();
    const journal = new MemoryJournal();
    const big = file('big.bin', random(2_000_000, 3));
    svc.failPutsAfter = 1;
    const first = new UploadManager(() => journal, { fetch: svc.fetch, retryDelayMs: 1 });
    await first.start(svc, { files: [{ path: 'big.bin', file: big }], emptyFolders: [] }, '');
    expect(first.state.items[0].state).toBe('failed');
    const putsBefore = svc.puts;
    svc.failPutsAfter = Infinity;
    const second = new UploadManager(() => journal, { fetch: svc.fetch, retryDelayMs: 1 });
    await second.start(svc, { files: [{ path: 'big.bin', file: big }], emptyFolders: [] }, '');
    expect(second.state.items[0]).toMatchObject({ state: 'done', resumed: true });
    expect(svc.heads.get('big.bin')?.size).toBe(2_000_000);
    expect(svc.puts).toBeGreaterThan(putsBefore);
  });
});
