/// <reference types="node" />
/**
 * One large file up and down through the console's transfer engine in Node against a running local cloud (or a
 * deployed API): wall time and this process's CPU time. From console/:
 *   node_modules/.bin/esbuild bench/transfer-e2e.ts --bundle --platform=node --format=esm --outfile=target/e2e.mjs
 *   node target/e2e.mjs http://127.0.0.1:4750 "$(../infra/local-cloud token bench)" 100
 */
import { ApiError, type ApiTransport } from '../src/api/types';
import { downloadFile } from '../src/transfer/download';
import { uploadFile } from '../src/transfer/upload';

const [base, token, mibArg] = process.argv.slice(2);
const api: ApiTransport = {
  async request<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const res = await fetch(base + path, { method, signal, body: body === undefined ? undefined : JSON.stringify(body),
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } });
    const json = await res.json().catch(() => ({}));
    if (!res.ok) {
      throw Object.assign(new ApiError(res.status, json.error ?? '', json.message ?? ''), { details: json.details });
    }
    return json as T;
  },
};
const size = Number(mibArg ?? 100) << 20;
const data = new Uint8Array(size);
let x = Date.now() | 1;
for (let i = 0; i < size; i++) {
  x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
  data[i] = x & 0xff;
}
const path = `bench/e2e-${Date.now()}.bin`;
for (const [name, run] of [
  ['upload', () => uploadFile(api, { path, file: new Blob([data]) }, { concurrency: 6 })],
  ['download', () => downloadFile(api, path, undefined, { concurrency: 6 })],
] as const) {
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  await run();
  const c = process.cpuUsage(c0);
  const wall = (performance.now() - w0) / 1000;
  console.log(`${name} ${size / 2 ** 20} MiB: ${wall.toFixed(2)} s wall = ${(size / 1e6 / wall).toFixed(1)} MB/s; `
    + `this process's CPU ${((c.user + c.system) / 1e6).toFixed(2)} s = ${(size / 1e6 / ((c.user + c.system) / 1e6)).toFixed(0)} MB/s`);
}
