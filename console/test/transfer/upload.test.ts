/// <reference types="node" />
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { decodeManifest, downloadFile, IntegrityError } from '../../src/transfer/download';
import { MemoryJournal } from '../../src/transfer/journal';
import { createFolder, StaleParentError, uploadFile, uploadFiles, type FileProgress } from '../../src/transfer/upload';
import { zipFolder } from '../../src/transfer/folders';
import { FakeService } from './fake-service';
import { expectSameBytes, inputBytes } from './vectors';

// Whole files are cut, hashed, sent and read back: seconds on a loaded machine.
vi.setConfig({ testTimeout: 120_000 });

const opts = (svc: FakeService) => ({ fetch: svc.fetch, retryDelayMs: 1 });
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const bytesOf = async (b: Blob) => new Uint8Array(await b.arrayBuffer());

describe('uploadFile against a fake service', () => {
  it('sends each chunk once, commits the manifest, and downloads the same bytes', async () => {
    const svc = new FakeService();
    const data = inputBytes('random', 7, 3_000_000);
    const progress: FileProgress[] = [];
    const r = await uploadFile(svc, { path: 'a/b.bin', file: new Blob([data]), lastModified: 5 },
      { ...opts(svc), onProgress: (p) => progress.push(p) });
    expect(r.outcome).toBe('created');
    expect(r.version.size).toBe(data.length);
    expect(r.version.contentHash).toBe(sha(data));
    const head = svc.heads.get('a/b.bin')!;
    expect(svc.puts).toBe(new Set(head.chunks.map((c) => c.id)).size);
    expect(head.chunks.length).toBeGreaterThan(3);
    expect(progress.at(-1)).toMatchObject({ phase: 'done', sentBytes: data.length, hashedBytes: data.length });
    const d = await downloadFile(svc, 'a/b.bin', undefined, opts(svc));
    expectSameBytes(await bytesOf(d.blob), data);
    expect(d.profile).toBe('fastcdc-v1-64k-256k-1m');
  });

  it('sends nothing the service holds, and repeated chunks once', async () => {
    const svc = new FakeService();
    const data = new Uint8Array(3 << 20); // zeros: three identical 1 MiB chunks
    await uploadFile(svc, { path: 'zeros', file: new Blob([data]) }, opts(svc));
    expect(svc.puts).toBe(1);
    await uploadFile(svc, { path: 'zeros-again', file: new Blob([data]) }, opts(svc));
    expect(svc.puts).toBe(1);
  });

  it('never overwrites a file changed elsewhere: a stale parent is a StaleParentError', async () => {
    const svc = new FakeService();
    const first = await uploadFile(svc, { path: 'doc.txt', file: new Blob(['one']) }, opts(svc));
    await expect(uploadFile(svc, { path: 'doc.txt', file: new Blob(['two']) }, opts(svc))).rejects.toBeInstanceOf(StaleParentError);
    const second = await uploadFile(svc, { path: 'doc.txt', file: new Blob(['two']), parentVersion: first.version.versionId }, opts(svc));
    await expect(uploadFile(svc, { path: 'doc.txt', file: new Blob(['three']), parentVersion: first.version.versionId }, opts(svc)))
      .rejects.toMatchObject({ name: 'StaleParentError', head: expect.objectContaining({ versionId: second.version.versionId }) });
    expect(new TextDecoder().decode(await bytesOf((await downloadFile(svc, 'doc.txt', undefined, opts(svc))).blob))).toBe('two');
  });

  it('resumes from the journal: no re-hash, no re-PUT of what was sent before the failure', async () => {
    const svc = new FakeService();
    const journal = new MemoryJournal();
    const data = inputBytes('random', 9, 4_000_000);
    const file = new Blob([data]);
    svc.failPutsAfter = 4;
    await expect(uploadFile(svc, { path: 'big', file, lastModified: 1 }, { ...opts(svc), journal, concurrency: 1 })).rejects.toThrow();
    expect(svc.puts).toBe(4);
    const record = await journal.get('4000000:1:big');
    expect(record?.uploaded.length).toBe(4);
    expect(record?.chunked?.chunks.length).toBeGreaterThan(8);
    svc.failPutsAfter = Infinity;
    // The "reloaded page" gets a Blob that cannot be read whole: only slices of chunks it still has to send.
    let reads = 0;
    const guarded = new Proxy(file, {
      get(target, prop) {
        if (prop === 'slice') {
          return (a?: number, b?: number) => { reads++; return target.slice(a, b); };
        }
        const v = Reflect.get(target, prop, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const r = await uploadFile(svc, { path: 'big', file: guarded, lastModified: 1 }, { ...opts(svc), journal });
    const distinct = new Set(record!.chunked!.chunks.map((c) => c.id)).size;
    expect(svc.puts).toBe(distinct);
    expect(reads).toBe(distinct - 4);
    expect(r.version.contentHash).toBe(sha(data));
    expect(journal.size).toBe(0);
  });

  it('forgets a journal record whose bytes S3 refuses (the file changed, same size and time), then reads the file again', async () => {
    const svc = new FakeService();
    const journal = new MemoryJournal();
    const before = inputBytes('random', 13, 400_000);
    svc.failPutsAfter = 0;
    await expect(uploadFile(svc, { path: 'c', file: new Blob([before]), lastModified: 3 }, { ...opts(svc), journal })).rejects.toThrow();
    svc.failPutsAfter = Infinity;
    const after = inputBytes('random', 14, 400_000);
    await expect(uploadFile(svc, { path: 'c', file: new Blob([after]), lastModified: 3 }, { ...opts(svc), journal }))
      .rejects.toThrow('the file changed');
    expect(journal.size).toBe(0);
    const r = await uploadFile(svc, { path: 'c', file: new Blob([after]), lastModified: 3 }, { ...opts(svc), journal });
    expect(r.version.contentHash).toBe(sha(after));
  });

  it('sends again what the journal claims but the service lost (422 MISSING_CHUNKS)', async () => {
    const svc = new FakeService();
    const journal = new MemoryJournal();
    const data = inputBytes('random', 11, 700_000);
    svc.failPutsAfter = 2;
    await expect(uploadFile(svc, { path: 'x', file: new Blob([data]), lastModified: 2 }, { ...opts(svc), journal, concurrency: 1 })).rejects.toThrow();
    svc.failPutsAfter = Infinity;
    svc.locations.clear(); // collected
    svc.objects.clear();
    await uploadFile(svc, { path: 'x', file: new Blob([data]), lastModified: 2 }, { ...opts(svc), journal });
    expect(svc.calls.filter((c) => c === 'POST /v1/commits').length).toBe(2);
    expectSameBytes(await bytesOf((await downloadFile(svc, 'x', undefined, opts(svc))).blob), data);
  });

  it('uploads an empty file and marks an empty folder', async () => {
    const svc = new FakeService();
    const r = await uploadFile(svc, { path: 'empty', file: new Blob([]) }, opts(svc));
    expect(r.version).toMatchObject({ size: 0, contentHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' });
    expect(svc.puts).toBe(0);
    expect((await downloadFile(svc, 'empty', undefined, opts(svc))).blob.size).toBe(0);
    await createFolder(svc, 'photos/none');
    expect(svc.heads.get('photos/none')).toMatchObject({ folder: true, size: 0 });
  });

  it('uploads many files with their own outcomes, and stops on abort', async () => {
    const svc = new FakeService();
    const reqs = Array.from({ length: 20 }, (_, i) => ({ path: `many/f${i}`, file: new Blob([inputBytes('random', i + 1, 1000 * i)]) }));
    reqs.push({ path: 'many/f3', file: new Blob(['dup']) }); // the same file twice: one of them is stale
    const out = await uploadFiles(svc, reqs, { ...opts(svc), emptyFolders: ['many/empty'] });
    expect(out.filter((o) => o.error).length).toBe(1);
    expect(out.filter((o) => o.committed).length).toBe(21);
    expect(out.find((o) => o.error)?.error).toBeInstanceOf(StaleParentError);
    expect(svc.batches).toBeGreaterThanOrEqual(1);
    expect(svc.batches).toBeLessThanOrEqual(4); // 20 files' commits in a few requests, not 20
    expect(svc.calls.filter((c) => c === 'POST /v1/uploads').length).toBeLessThanOrEqual(6); // and their grants
    // A name the service refuses refuses its whole batch: each commit is then sent alone and only that one fails.
    const bad = await uploadFiles(svc, [{ path: 'ok/1', file: new Blob(['1']) }, { path: 'bad\u0000name', file: new Blob(['2']) },
      { path: 'ok/2', file: new Blob(['3']) }], opts(svc));
    expect(bad.map((o) => (o.error ? (o.error as { code?: string }).code : 'ok'))).toEqual(['ok', 'INVALID_PATH', 'ok']);
    const ac = new AbortController();
    ac.abort(new Error('user cancelled'));
    await expect(uploadFiles(svc, [{ path: 'z', file: new Blob(['z']) }], { ...opts(svc), signal: ac.signal })).rejects.toThrow('user cancelled');
  });
});

/** A fetch whose first `hang` requests of `method` never answer (only their abort ends them), then `svc.fetch`. */
function stallingFetch(svc: FakeService, method: 'PUT' | 'GET', hang: number) {
  const stalled = { count: 0 };
  const fetch = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    if ((init?.method ?? 'GET') === method && stalled.count < hang) {
      stalled.count++;
      return new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason), { once: true }));
    }
    return svc.fetch(input, init);
  };
  return { fetch, stalled };
}

describe('a request S3 never answers', () => {
  it('a stalled chunk PUT is aborted after its deadline and sent again: the upload finishes', async () => {
    const svc = new FakeService();
    const data = inputBytes('random', 21, 1_500_000);
    const s = stallingFetch(svc, 'PUT', 2);
    const r = await uploadFile(svc, { path: 'stall/up.bin', file: new Blob([data]) }, { ...opts(svc), fetch: s.fetch, stallMs: 50 });
    expect(s.stalled.count).toBe(2);
    expect(r.version.contentHash).toBe(sha(data));
    expectSameBytes(await bytesOf((await downloadFile(svc, 'stall/up.bin', undefined, opts(svc))).blob), data);
  });

  it('a stalled GET is aborted after its deadline and read again: the download finishes', async () => {
    const svc = new FakeService();
    const data = inputBytes('random', 22, 1_500_000);
    await uploadFile(svc, { path: 'stall/down.bin', file: new Blob([data]) }, opts(svc));
    const s = stallingFetch(svc, 'GET', 1);
    const d = await downloadFile(svc, 'stall/down.bin', undefined, { ...opts(svc), fetch: s.fetch, stallMs: 50 });
    expect(s.stalled.count).toBe(1);
    expectSameBytes(await bytesOf(d.blob), data);
  });

  it('the caller\'s abort still wins over the deadline: a cancelled upload rejects with its reason', async () => {
    const svc = new FakeService();
    const ac = new AbortController();
    const s = stallingFetch(svc, 'PUT', 100);
    const up = uploadFile(svc, { path: 'stall/cancel.bin', file: new Blob([inputBytes('random', 23, 300_000)]) },
      { ...opts(svc), fetch: s.fetch, stallMs: 60_000, signal: ac.signal });
    setTimeout(() => ac.abort(new Error('user cancelled')), 20);
    await expect(up).rejects.toThrow('user cancelled');
    expect(svc.heads.has('stall/cancel.bin')).toBe(false);
  });
});

describe('downloadFile', () => {
  it('reads packed ranges (coalesced), decodes zstd, checks every chunk, and asks for more plans', async () => {
    const svc = new FakeService();
    const text = inputBytes('text', 3, 600_000);
    await uploadFile(svc, { path: 't.txt', file: new Blob([text]) }, opts(svc));
    const head = svc.heads.get('t.txt')!;
    // Re-store its chunks as a pack: the first compressed by the zstd CLI, the others raw.
    const chunks = [];
    let off = 0;
    for (const [i, c] of head.chunks.entries()) {
      const plain = text.subarray(off, off + c.size);
      off += c.size;
      chunks.push(i === 0
        ? { id: c.id, stored: new Uint8Array(execFileSync('zstd', ['-3', '-c', '-q'], { input: plain })), encoding: 'zstd' as const }
        : { id: c.id, stored: plain.slice() });
    }
    expect(chunks[0].stored.length).toBeLessThan(head.chunks[0].size);
    svc.putPack('p1', chunks);
    svc.planLimit = 1;
    svc.gets = 0;
    const d = await downloadFile(svc, 't.txt', undefined, opts(svc));
    expectSameBytes(await bytesOf(d.blob), text);
    svc.planLimit = 1000;
    svc.gets = 0;
    await downloadFile(svc, 't.txt', undefined, opts(svc));
    expect(svc.gets).toBe(1); // one ranged GET for the whole pack
    // A stored byte flipped: the chunk's hash check refuses it.
    svc.objects.get('packs/p1')![chunks[0].stored.length + 10] ^= 1;
    await expect(downloadFile(svc, 't.txt', undefined, opts(svc))).rejects.toBeInstanceOf(IntegrityError);
  });

  it('asks for a new plan when S3 refuses its URLs (they expire after 15 minutes)', async () => {
    const svc = new FakeService();
    const data = inputBytes('random', 12, 2_500_000);
    await uploadFile(svc, { path: 'long', file: new Blob([data]) }, opts(svc));
    svc.refuseGets = 2;
    const d = await downloadFile(svc, 'long', undefined, { ...opts(svc), concurrency: 1 });
    expectSameBytes(await bytesOf(d.blob), data);
    expect(svc.calls.filter((c) => c === 'POST /v1/downloads').length).toBe(2); // the first plan, then one for the two
    svc.refuseGets = 1000;
    await expect(downloadFile(svc, 'long', undefined, opts(svc))).rejects.toThrow('403');
  });

  it('decodes a binary CVM1 manifest', () => {
    const id = 'ab'.repeat(32);
    const name = new TextEncoder().encode('fastcdc-v1-64k-256k-1m');
    const bytes = new Uint8Array([...new TextEncoder().encode('CVM1'), name.length, ...name, 2,
      ...Buffer.from(id, 'hex'), 0x80, 0x80, 0x04, ...Buffer.from(id, 'hex'), 1]);
    expect(decodeManifest(bytes)).toEqual({ profile: 'fastcdc-v1-64k-256k-1m', chunks: [{ id, size: 65536 }, { id, size: 1 }] });
    expect(() => decodeManifest(bytes.subarray(0, bytes.length - 1))).toThrow(IntegrityError);
  });

  it('zips a folder that unzip accepts, with every file and empty folder', async () => {
    const svc = new FakeService();
    const files: [string, Uint8Array][] = [['docs/a.txt', new TextEncoder().encode('hello')],
      ['docs/sub/ünïcødé.bin', inputBytes('random', 5, 200_000)], ['docs/empty.txt', new Uint8Array(0)], ['other/x', new Uint8Array([1])]];
    for (const [path, data] of files) {
      await uploadFile(svc, { path, file: new Blob([data as Uint8Array<ArrayBuffer>]) }, opts(svc));
    }
    await createFolder(svc, 'docs/nothing');
    const zip = await zipFolder(svc, 'docs', opts(svc));
    const { mkdtempSync, writeFileSync, readFileSync } = await import('node:fs');
    const dir = mkdtempSync('/tmp/zipfolder-');
    writeFileSync(`${dir}/d.zip`, await bytesOf(zip));
    expect(execFileSync('unzip', ['-t', `${dir}/d.zip`]).toString()).toContain('No errors detected');
    execFileSync('unzip', ['-q', `${dir}/d.zip`, '-d', `${dir}/out`]);
    for (const [path, data] of files.slice(0, 3)) {
      expectSameBytes(new Uint8Array(readFileSync(`${dir}/out/${path}`)), data);
    }
    expect(execFileSync('unzip', ['-l', `${dir}/d.zip`]).toString()).toContain('docs/nothing/');
  });

  it('zips a symbolic link as a link and an executable file with mode 755 (unzip restores both)', async () => {
    const svc = new FakeService();
    await uploadFile(svc, { path: 'tools/run.sh', file: new Blob(['#!/bin/sh\necho hi\n']) }, opts(svc));
    await uploadFile(svc, { path: 'tools/target.txt', file: new Blob(['the target\n']) }, opts(svc));
    await uploadFile(svc, { path: 'tools/latest', file: new Blob(['target.txt']) }, opts(svc));
    // The service's flags, as a sync client commits them (the browser's uploads send neither).
    svc.heads.get('tools/run.sh')!.executable = true;
    svc.heads.get('tools/latest')!.link = true;
    const zip = await zipFolder(svc, 'tools', opts(svc));
    const { mkdtempSync, writeFileSync, readFileSync, readlinkSync, statSync, lstatSync } = await import('node:fs');
    const dir = mkdtempSync('/tmp/zipmodes-');
    writeFileSync(`${dir}/t.zip`, await bytesOf(zip));
    execFileSync('unzip', ['-q', `${dir}/t.zip`, '-d', `${dir}/out`]);
    expect(lstatSync(`${dir}/out/tools/latest`).isSymbolicLink()).toBe(true);
    expect(readlinkSync(`${dir}/out/tools/latest`)).toBe('target.txt');
    expect(readFileSync(`${dir}/out/tools/latest`, 'utf8')).toBe('the target\n');
    expect(statSync(`${dir}/out/tools/run.sh`).mode & 0o777).toBe(0o755);
    expect(statSync(`${dir}/out/tools/target.txt`).mode & 0o111).toBe(0);
  });

  it('plans a folder of many files in batches of 100 (POST /v1/download-batch), or one by one from an older service', async () => {
    const svc = new FakeService();
    const files = Array.from({ length: 230 }, (_, i) => [`many/f${String(i).padStart(3, '0')}.txt`, new TextEncoder().encode(`file ${i}\n`)] as const);
    await uploadFiles(svc, files.map(([path, data]) => ({ path, file: new Blob([data as Uint8Array<ArrayBuffer>]) })), opts(svc));
    const check = async () => {
      const zip = await bytesOf(await zipFolder(svc, 'many', opts(svc)));
      const text = new TextDecoder('latin1').decode(zip);
      for (const [path, data] of files) {
        expect(text).toContain(path);
        expect(text).toContain(new TextDecoder().decode(data));
      }
    };
    svc.calls.length = 0;
    await check();
    expect(svc.calls.filter((c) => c === 'POST /v1/download-batch').length).toBe(3); // 100 + 100 + 30
    expect(svc.calls.filter((c) => c === 'POST /v1/downloads').length).toBe(0);
    svc.downloadBatch = false;
    svc.calls.length = 0;
    await check();
    expect(svc.calls.filter((c) => c === 'POST /v1/download-batch').length).toBe(1); // 404 once, then alone
    expect(svc.calls.filter((c) => c === 'POST /v1/downloads').length).toBe(230);
  });
});
