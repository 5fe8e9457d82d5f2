/// <reference types="node" />
import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { chunkBlob, hashBlob } from '../../src/transfer/chunker';
import { DEFAULT_PROFILE, FastCdc, LARGE_PROFILE, PROFILES, gearTable, profileForFile, spreadMask } from '../../src/transfer/fastcdc';
import { Sha256 } from '../../src/transfer/sha256';
import { inputBytes, loadVectors } from './vectors';

// Whole files are cut, hashed, sent and read back: seconds on a loaded machine.
vi.setConfig({ testTimeout: 120_000 });

const vectors = loadVectors();

describe('FastCDC, as the Java client cuts', () => {
  it('has the Java gear table and masks', () => {
    const g = gearTable(DEFAULT_PROFILE.gearSeed);
    expect(g[0].toString(16).padStart(16, '0')).toBe(vectors.gear0);
    expect(g[255].toString(16).padStart(16, '0')).toBe(vectors.gear255);
    expect(gearTable(0n)[0]).toBe(0xe220a8397b1dcdafn);
    expect(spreadMask(20)).toBe(0x54a54a54a54a0000n);
    expect(spreadMask(16)).toBe(0x4924924924920000n);
  });

  for (const v of vectors.inputs) {
    it(`cuts ${v.name} (${v.size} bytes, ${v.profile}) at the Java boundaries with the same ids`, async () => {
      const bytes = inputBytes(v.kind, v.seed, v.size);
      const profile = PROFILES[v.profile];
      // A small read size makes the streaming buffer compact and refill many times.
      const chunked = await chunkBlob(new Blob([bytes]), profile, { readSize: 96 << 10 });
      expect(chunked.chunks.map((c) => c.size)).toEqual(v.sizes);
      expect(chunked.chunks.map((c) => c.id)).toEqual(v.ids);
      expect(chunked.contentHash).toBe(v.sha256);
      expect(chunked.size).toBe(v.size);
      let offset = 0;
      for (const c of chunked.chunks) {
        expect(c.offset).toBe(offset);
        offset += c.size;
      }
      // The cut of the whole array at once gives the same boundaries as the stream.
      const cdc = FastCdc.of(profile);
      const sizes: number[] = [];
      for (let pos = 0; pos < bytes.length;) {
        const n = cdc.cut(bytes, pos, bytes.length - pos);
        sizes.push(n);
        pos += n;
      }
      expect(sizes).toEqual(v.sizes);
    });
  }

  it('picks profiles as ChunkingPolicy does', () => {
    expect(profileForFile(0)).toBe(DEFAULT_PROFILE);
    expect(profileForFile(128 * 2 ** 20 - 1)).toBe(DEFAULT_PROFILE);
    expect(profileForFile(128 * 2 ** 20)).toBe(LARGE_PROFILE);
    expect(profileForFile(512 * 2 ** 20, DEFAULT_PROFILE.name)).toBe(DEFAULT_PROFILE);
    expect(profileForFile(2 ** 30, DEFAULT_PROFILE.name)).toBe(LARGE_PROFILE);
    expect(profileForFile(20 * 2 ** 20, LARGE_PROFILE.name)).toBe(LARGE_PROFILE);
    expect(profileForFile(16 * 2 ** 20 - 1, LARGE_PROFILE.name)).toBe(DEFAULT_PROFILE);
    expect(profileForFile(200 * 2 ** 20, 'unknown')).toBe(LARGE_PROFILE);
  });
});

describe('incremental SHA-256', () => {
  it('equals node:crypto over pieces of every size around a block', () => {
    const data = inputBytes('random', 42, 5000);
    for (const step of [1, 3, 55, 56, 63, 64, 65, 127, 1000, 5000]) {
      const h = new Sha256();
      for (let i = 0; i < data.length; i += step) {
        h.update(data.subarray(i, i + step));
      }
      expect(h.hex()).toBe(createHash('sha256').update(data).digest('hex'));
    }
    for (const n of [0, 55, 56, 64, 119, 120]) {
      expect(new Sha256().update(data.subarray(0, n)).hex()).toBe(createHash('sha256').update(data.subarray(0, n)).digest('hex'));
    }
  });
});

describe('hashBlob (the content hash when the Worker cannot give it)', () => {
  it('is the SHA-256 of the whole Blob, read in pieces', async () => {
    const bytes = new Uint8Array(3 * 65536 + 17).map((_, i) => (i * 31 + (i >> 9)) & 0xff);
    const want = createHash('sha256').update(bytes).digest('hex');
    expect(await hashBlob(new Blob([bytes]), 65536)).toBe(want);
    expect(await hashBlob(new Blob([]), 65536)).toBe(createHash('sha256').digest('hex'));
    const chunked = await chunkBlob(new Blob([bytes]), DEFAULT_PROFILE, { readSize: 65536, contentInWorker: false });
    expect(chunked.contentHash).toBe(want);
  });
});
