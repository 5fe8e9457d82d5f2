/// <reference types="node" />
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as zlib from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { walkEntry } from '../../src/transfer/folders';
import { crc32, ZipWriter } from '../../src/transfer/zip';
import { expectSameBytes, inputBytes } from './vectors';

// unzip and python3 run as child processes: seconds on a loaded machine.
vi.setConfig({ testTimeout: 120_000 });

describe('zip writer', () => {
  it('computes the CRC-32 zlib computes, in one piece or many', () => {
    const data = inputBytes('random', 3, 100_003);
    const zcrc = (zlib as unknown as { crc32(d: Uint8Array): number }).crc32(data);
    expect(crc32(data)).toBe(zcrc);
    let c = 0;
    for (let i = 0; i < data.length; i += 7777) {
      c = crc32(data.subarray(i, i + 7777), c);
    }
    expect(c).toBe(zcrc);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  for (const forceZip64 of [false, true]) {
    it(`writes an archive unzip tests clean and extracts byte for byte (zip64: ${forceZip64})`, async () => {
      const zip = new ZipWriter({ forceZip64 });
      const files: [string, Uint8Array][] = [['a.txt', new TextEncoder().encode('hello')], ['dir/ünï — 名前.bin', inputBytes('random', 8, 300_000)],
        ['empty', new Uint8Array(0)]];
      for (const [name, data] of files) {
        await zip.addFile(name, new Blob([data as Uint8Array<ArrayBuffer>]), new Date(2024, 4, 6, 7, 8, 10));
      }
      zip.addDirectory('dir/nothing');
      expect(() => zip.addDirectory('dir/nothing/')).toThrow('already');
      const dir = mkdtempSync('/tmp/zipwriter-');
      writeFileSync(`${dir}/t.zip`, new Uint8Array(await zip.finish().arrayBuffer()));
      expect(execFileSync('unzip', ['-t', `${dir}/t.zip`]).toString()).toContain('No errors detected in compressed data');
      execFileSync('unzip', ['-q', `${dir}/t.zip`, '-d', `${dir}/out`]);
      for (const [name, data] of files) {
        expectSameBytes(new Uint8Array(readFileSync(`${dir}/out/${name}`)), data);
      }
      const listing = execFileSync('python3', ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); '
        + 'print("\\n".join("%s %d %s" % (i.filename, i.file_size, i.date_time) for i in z.infolist())); z.testzip()', `${dir}/t.zip`]).toString();
      expect(listing).toContain('dir/ünï — 名前.bin 300000 (2024, 5, 6, 7, 8, 10)');
      expect(listing).toContain('dir/nothing/ 0');
    });
  }

  it('refuses names that would climb out of the folder', async () => {
    const zip = new ZipWriter();
    await zip.addFile('../../etc/x', new Uint8Array([1]));
    zip.addDirectory('/abs/./dir');
    const dir = mkdtempSync('/tmp/zipwriter-');
    writeFileSync(`${dir}/t.zip`, new Uint8Array(await zip.finish().arrayBuffer()));
    expect(execFileSync('unzip', ['-l', `${dir}/t.zip`]).toString()).toMatch(/etc\/x[\s\S]*abs\/dir\//);
  });
});

/** A FileSystemDirectoryEntry of a tree in memory, answering readEntries in batches of 2 as Chrome does of 100. */
function fakeEntry(name: string, tree: Record<string, unknown>): FileSystemEntry {
  return {
    name, isFile: false, isDirectory: true,
    createReader() {
      const kids = Object.entries(tree).map(([n, v]) => (v instanceof Uint8Array
        ? ({ name: n, isFile: true, isDirectory: false, file: (ok: (f: File) => void) => ok(new File([v as Uint8Array<ArrayBuffer>], n)) })
        : fakeEntry(n, v as Record<string, unknown>)));
      return { readEntries: (ok: (e: unknown[]) => void) => ok(kids.splice(0, 2)) };
    },
  } as unknown as FileSystemEntry;
}

describe('walkEntry', () => {
  it('gives every file below a dropped folder with its path, and its empty folders', async () => {
    const one = new Uint8Array([1]);
    const tree = await walkEntry(fakeEntry('photos', { 'a.jpg': one, 'b.jpg': one, 'c.jpg': one, y2024: { 'd.jpg': one, empty: {} }, none: {} }));
    expect(tree.files.map((f) => f.path).sort()).toEqual(['photos/a.jpg', 'photos/b.jpg', 'photos/c.jpg', 'photos/y2024/d.jpg']);
    expect(tree.emptyFolders.sort()).toEqual(['photos/none', 'photos/y2024/empty']);
  });
});
