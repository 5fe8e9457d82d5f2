/// <reference types="node" />
/**
 * Throughput of the console's transfer engine in Node (V8, the same engine as Chrome): FastCDC cutting alone, the
 * incremental SHA-256, WebCrypto's SHA-256, chunkBlob (cut + chunk digests + content hash), CRC-32 and zstd decoding.
 * Timed by this process's CPU time (user + system) as well as wall time: the development machine is shared, and CPU
 * time is what the work costs. Run from console/:
 *   node_modules/.bin/esbuild bench/transfer-bench.ts --bundle --platform=node --format=esm --outfile=target/bench.mjs \
 *     && node target/bench.mjs [MiB]
 */
import { execFileSync } from 'node:child_process';
import { decompress } from 'fzstd';
import { chunkBlob } from '../src/transfer/chunker';
import { DEFAULT_PROFILE, FastCdc, LARGE_PROFILE } from '../src/transfer/fastcdc';
import { Sha256 } from '../src/transfer/sha256';
import { crc32 } from '../src/transfer/zip';

const mib = Number(process.argv[2] ?? 100);
const data = new Uint8Array(mib << 20);
let x = 1;
for (let i = 0; i < data.length; i++) {
  x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
  data[i] = x & 0xff;
}

async function measure(name: string, bytes: number, f: () => unknown): Promise<void> {
  await f(); // warm-up
  const runs: { cpu: number; wall: number }[] = [];
  for (let r = 0; r < 3; r++) {
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    await f();
    const c = process.cpuUsage(c0);
    runs.push({ cpu: (c.user + c.system) / 1e6, wall: (performance.now() - w0) / 1000 });
  }
  const best = (k: 'cpu' | 'wall') => Math.min(...runs.map((r) => r[k]));
  console.log(`${name.padEnd(44)} ${(bytes / 1e6 / best('cpu')).toFixed(0).padStart(6)} MB/s CPU  ${(bytes / 1e6 / best('wall')).toFixed(0).padStart(6)} MB/s wall`);
}

const cut = (profile = DEFAULT_PROFILE) => () => {
  const cdc = FastCdc.of(profile);
  for (let p = 0; p < data.length; p += cdc.cut(data, p, data.length - p));
};
console.log(`node ${process.version}, ${mib} MiB of random bytes; best of 3 after a warm-up`);
await measure('FastCDC cut, default profile', data.length, cut());
await measure('FastCDC cut, large profile', data.length, cut(LARGE_PROFILE));
await measure('SHA-256, incremental (TypeScript)', data.length, () => new Sha256().update(data).digest());
await measure('SHA-256, WebCrypto, 256 KiB pieces', data.length, async () => {
  for (let p = 0; p < data.length; p += 256 << 10) {
    await crypto.subtle.digest('SHA-256', data.subarray(p, p + (256 << 10)));
  }
});
const blob = new Blob([data]);
await measure('chunkBlob (cut + chunk ids + content hash)', data.length, () => chunkBlob(blob, DEFAULT_PROFILE));
await measure('CRC-32 (zip)', data.length, () => crc32(data));
const text = new TextEncoder().encode('the chunk of a version in the store is a manifest entry; '.repeat(18_000)).subarray(0, 1 << 20);
const frame = new Uint8Array(execFileSync('zstd', ['-3', '-c', '-q'], { input: text }));
await measure('zstd decode (fzstd), 1 MiB text chunks x 32', 32 * text.length, () => {
  for (let i = 0; i < 32; i++) {
    decompress(frame, new Uint8Array(text.length));
  }
});
