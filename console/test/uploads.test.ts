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

  it('a file changed elsewhere during its upload is a conflict; Keep both adds a conflicted copy, Replace a new version', async () => {
    const svc = new FakeService();
    await uploadFile(svc, { path: 'docs/a.txt', file: new Blob(['base']) }, { fetch: svc.fetch });
    // Another device commits a.txt just before each of this page's commits of it goes out.
    let theirs = 0;
    const api = {
      request: async <T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown, signal?: AbortSignal): Promise<T> => {
        if (method === 'POST' && path.startsWith('/v1/commit') && theirs < 1) {
          theirs++;
          const head = svc.heads.get('docs/a.txt')!;
          await uploadFile(svc, { path: 'docs/a.txt', file: new Blob(['theirs']), parentVersion: head.versionId }, { fetch: svc.fetch });
        }
        signal?.throwIfAborted();
        return svc.request<T>(method, path, body);
      },
    };
    const m = new UploadManager(() => new MemoryJournal(), { fetch: svc.fetch, retryDelayMs: 1 });
    let finished = 0;
    await m.start(api, { files: [{ path: 'a.txt', file: file('a.txt', 'mine') }], emptyFolders: [] }, 'docs', () => finished++);
    const [conflict] = m.state.items;
    expect(conflict).toMatchObject({ path: 'docs/a.txt', state: 'conflict' });
    expect(conflict.error).toContain('nothing was overwritten');
    expect(m.canResolve(conflict.id)).toBe(true);
    expect(svc.heads.get('docs/a.txt')?.size).toBe(6); // theirs

    await m.keepBoth(conflict.id, new Date(2026, 11, 7, 8, 9, 10));
    const copy = 'docs/a (conflicted copy web browser 2026-12-07 080910).txt';
    expect(m.state.items.map((i) => [i.path, i.state])).toEqual([[copy, 'done']]);
    expect(svc.heads.get(copy)?.size).toBe(4); // mine, next to theirs
    expect(svc.heads.get('docs/a.txt')?.size).toBe(6);
    expect(m.canResolve(conflict.id)).toBe(false);

    // Conflicted again, this time replaced: the page's bytes become the newest version.
    theirs = 0;
    await m.start(api, { files: [{ path: 'a.txt', file: file('a.txt', 'mine again') }], emptyFolders: [] }, 'docs');
    const again = m.state.items.find((i) => i.path === 'docs/a.txt')!;
    expect(again.state).toBe('conflict');
    await m.replace(again.id);
    expect(m.state.items.find((i) => i.path === 'docs/a.txt')).toMatchObject({ state: 'done', replacing: true });
    expect(svc.heads.get('docs/a.txt')?.size).toBe(10);
    expect(finished).toBeGreaterThanOrEqual(2); // the listing is refreshed after the copy too
  });
});
