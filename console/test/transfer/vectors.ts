/// <reference types="node" />
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

/** The inputs of functions/core's ConsoleChunkingVectorsTest, made by the same generator. */
export interface VectorInput {
  name: string; kind: 'random' | 'zeros' | 'text'; seed: number; size: number; profile: string;
  sha256: string; sizes: number[]; ids: string[];
}
export interface Vectors { gear0: string; gear255: string; inputs: VectorInput[] }

export function loadVectors(): Vectors {
  const path = fileURLToPath(new URL('./fixtures/chunking-vectors.json', import.meta.url));
  return JSON.parse(readFileSync(path, 'utf8')) as Vectors;
}

const WORDS = ['chunk', 'vault', 'the', 'a', 'file', 'store', 'of', 'sync', 'delta', 'pack', 'version', 'commit',
  'upload', 'browser', 'and', 'in', 'to', 'is', 'manifest', 'hash'];

export function xorshift(x: number): number {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  return x | 0;
}

export function inputBytes(kind: string, seed: number, size: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  let x = seed | 0;
  if (kind === 'zeros') {
    return out;
  }
  if (kind === 'random') {
    for (let i = 0; i < size; i++) {
      x = xorshift(x);
      out[i] = x & 0xff;
    }
    return out;
  }
  let pos = 0;
  let words = 0;
  while (pos < size) {
    x = xorshift(x);
    const w = WORDS[(x >>> 0) % WORDS.length];
    for (let i = 0; i < w.length && pos < size; i++) {
      out[pos++] = w.charCodeAt(i);
    }
    if (pos < size) {
      out[pos++] = ++words % 12 === 0 ? 10 : 32;
    }
  }
  return out;
}

/** Byte-for-byte equality, fast (Vitest's toEqual walks a typed array element by element: seconds per MB). */
export function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length);
  expect(Buffer.compare(actual, expected)).toBe(0);
}
