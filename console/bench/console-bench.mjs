// Issue 19's targets for the web console, measured in Debian's Chromium (playwright-core) against a running local
// cloud: first paint, a 10,000-entry folder, a 100 MB upload and download. Run by bench/run-console-bench.sh (which
// starts the local cloud, makes the files and prints the table); by hand, from console/:
//   CONSOLE_URL=http://127.0.0.1:4750 TOKEN="$(../infra/local-cloud token bench)" BENCH_USER=bench \
//   BIG_FILES=/tmp/big-1.bin,/tmp/big-2.bin node bench/console-bench.mjs
// Env: CONSOLE_URL, TOKEN (an access token of BENCH_USER, for seeding), BENCH_USER, CHROMIUM, MANY (10000),
// SEED (1: commit MANY tiny files under many/ first), RUNS (5 page loads of each kind), DOWNLOAD_RUNS (3),
// BIG_FILES (comma-separated files to upload, one run each, each under its own name), OUT (a JSON of every figure),
// SCREENSHOTS (a folder).
//
// Every time is taken in the page (performance.now(), origin = navigation start): first paint and first contentful
// paint from a PerformanceObserver ('paint'), the listing from a MutationObserver that sees the count say "N items"
// with rows drawn, then the next frame (requestAnimationFrame, then a task after it: the frame is painted by then).
import { launchChromium } from '../e2e/chromium.mjs';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

const env = (k, d) => process.env[k] ?? d;
const base = env('CONSOLE_URL', 'http://127.0.0.1:4750').replace(/\/$/, '');
const token = env('TOKEN', '');
const user = env('BENCH_USER', 'bench');
const many = Number(env('MANY', '10000'));
const runs = Number(env('RUNS', '5'));
const downloadRuns = Number(env('DOWNLOAD_RUNS', '3'));
const bigFiles = env('BIG_FILES', '').split(',').filter(Boolean);
const shots = env('SCREENSHOTS', join(process.cwd(), 'target', 'console-bench'));
mkdirSync(shots, { recursive: true });
const out = { base, many, runs, seed: null, paint: { cold: [], warm: [] }, list: [], scroll: [], upload: [], download: [] };

// ---------------------------------------------------------------------------------------------------------------
// Seeding: one tiny chunk sent once, then MANY commits of it (POST /v1/commit-batch, 100 at a time, 4 batches in
// flight): a 10,000-file folder in seconds instead of 10,000 uploads.
async function api(method, path, body) {
  const res = await fetch(base + path, {
    method, body: body === undefined ? undefined : JSON.stringify(body),
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
  return json;
}

async function seed() {
  const t0 = performance.now();
  const bytes = Buffer.from('a tiny file\n');
  const id = createHash('sha256').update(bytes).digest('hex');
  const grant = await api('POST', '/v1/uploads', { chunks: [{ id, size: bytes.length }] });
  for (const g of grant.uploads ?? []) {
    const headers = Object.fromEntries(Object.entries(g.headers ?? {}).filter(([k]) => !['host', 'content-length'].includes(k.toLowerCase())));
    const res = await fetch(g.url, { method: 'PUT', headers, body: bytes });
    if (!res.ok) throw new Error(`PUT the tiny chunk: ${res.status} ${await res.text()}`);
  }
  const now = Date.now();
  const commits = [];
  for (let i = 0; i < many; i++) {
    commits.push({
      path: `many/file-${String(i).padStart(5, '0')}.txt`,
      manifest: { profile: 'fastcdc-v1-64k-256k-1m', chunks: [{ id, size: bytes.length }] },
      size: bytes.length, contentHash: id, clientMtime: now - i * 1000, idempotencyKey: `bench-${crypto.randomUUID()}`,
    });
  }
  const batches = [];
  for (let i = 0; i < commits.length; i += 100) batches.push(commits.slice(i, i + 100));
  let next = 0;
  await Promise.all([0, 1, 2, 3].map(async () => {
    while (next < batches.length) {
      const b = batches[next++];
      const answer = await api('POST', '/v1/commit-batch', { commits: b });
      const bad = (answer.results ?? []).filter((r) => r.status !== 200 && r.status !== 201);
      if (bad.length > 0 || (answer.results ?? []).length !== b.length) {
        throw new Error(`commit-batch: ${JSON.stringify(bad[0] ?? answer).slice(0, 300)}`);
      }
    }
  }));
  out.seed = { files: many, seconds: (performance.now() - t0) / 1000 };
  console.log(`seeded ${many} files in many/ in ${out.seed.seconds.toFixed(1)} s`);
}

// ---------------------------------------------------------------------------------------------------------------
// What the page records (window.__bench), installed before any of the app's scripts on every navigation.
function instrument() {
  const b = { paint: {}, lcp: 0, states: {}, done: {} };
  window.__bench = b;
  try {
    new PerformanceObserver((l) => { for (const e of l.getEntries()) b.paint[e.name] = e.startTime; })
      .observe({ type: 'paint', buffered: true });
    new PerformanceObserver((l) => { for (const e of l.getEntries()) b.lcp = e.startTime; })
      .observe({ type: 'largest-contentful-paint', buffered: true });
  } catch { /* not supported */ }
  // The time the frame that shows a change is painted: the next animation frame, then a task after it.
  const afterPaint = (set) => requestAnimationFrame(() => { const c = new MessageChannel(); c.port1.onmessage = () => set(performance.now()); c.port2.postMessage(0); });
  const check = () => {
    if (!b.listedDom) {
      const count = document.querySelector('.count');
      const text = count?.textContent ?? '';
      if (/^\d+ items?$/.test(text) && (document.querySelector('.vlist [role=option]') || document.querySelector('.empty'))) {
        b.listedDom = performance.now();
        b.listedText = text;
        afterPaint((t) => { b.listed = t; });
      }
    }
    if (!b.rowsDom && document.querySelector('.vlist [role=option]')) {
      b.rowsDom = performance.now();
      afterPaint((t) => { b.rows = t; });
    }
    for (const li of document.querySelectorAll('li.upload')) {
      const path = li.getAttribute('data-path');
      const st = (b.states[path] ??= {});
      for (const s of ['hashing', 'uploading', 'committing', 'done', 'failed']) {
        if (li.classList.contains(s) && st[s] === undefined) {
          st[s] = performance.now();
          if (s === 'done' || s === 'failed') afterPaint((t) => { b.done[path] = t; });
        }
      }
    }
    const status = document.querySelector('.transfer-status')?.textContent ?? '';
    if (status.startsWith('Downloaded ') && b.downloadStart && !b.downloadDone) b.downloadDone = performance.now();
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['class'] });
  document.addEventListener('change', (e) => {
    if (e.target instanceof HTMLInputElement && e.target.type === 'file') b.picked = performance.now();
  }, true);
  document.addEventListener('click', (e) => {
    if (e.target instanceof Element && e.target.closest('.row-action')) { b.downloadStart = performance.now(); b.downloadDone = 0; }
  }, true);
}

// CPU seconds of a process (/proc/PID/stat utime + stime) and of the whole machine (/proc/stat, every core).
const HZ = 100;
function processCpu(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / HZ;
  } catch { return NaN; }
}
function machineCpu() {
  const [, ...v] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const idle = v[3] + v[4];
  return { busy: (v.reduce((a, b) => a + b, 0) - idle) / HZ };
}
/** The CPU of the local cloud's JVM (CLOUD_PID), of Chromium's processes and of the whole machine since `s0`. */
function browserPids() {
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try { if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(userDataDir)) out.push(d); } catch { /* gone */ }
  }
  return out;
}
/** The local cloud's CPU by thread name (digits dropped: "qtp123-45" → "qtp-"), in seconds. */
function cloudThreads() {
  const pid = env('CLOUD_PID', '');
  const out = {};
  if (!pid) return out;
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim().replace(/\d+/g, '#');
      out[name] = (out[name] ?? 0) + processCpu(`${pid}/task/${t}`);
    } catch { /* ended */ }
  }
  return out;
}
function cpuSnapshot() {
  const cloud = env('CLOUD_PID', '') ? processCpu(env('CLOUD_PID')) : NaN;
  const browser = browserPids().reduce((s, p) => s + (processCpu(p) || 0), 0);
  return { cloud, browser, machine: machineCpu().busy, threads: cloudThreads() };
}
function cpuSince(s0) {
  const s1 = cpuSnapshot();
  const threads = Object.entries(s1.threads).map(([k, v]) => [k, v - (s0.threads[k] ?? 0)]).filter(([, v]) => v >= 0.05)
    .sort((a, b) => b[1] - a[1]).slice(0, 10).map(([k, v]) => `${v.toFixed(2)} s ${k}`);
  return { cloudCpuS: s1.cloud - s0.cloud, browserCpuS: s1.browser - s0.browser, machineCpuS: s1.machine - s0.machine, cloudThreads: threads };
}

const userDataDir = mkdtempSync(join(tmpdir(), 'chunkvault-bench-chromium-'));
const downloads = mkdtempSync(join(tmpdir(), 'chunkvault-bench-downloads-'));
let context;
let code = 0;
try {
  if (env('SEED', '1') === '1') await seed();
  context = await launchChromium(userDataDir, { acceptDownloads: true, downloadsPath: downloads });
  context.setDefaultTimeout(60_000);
  await context.addInitScript(instrument);
  const page = context.pages()[0] ?? await context.newPage();
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  const bench = () => page.evaluate(() => window.__bench);
  const waitFor = (expr, timeout = 60_000) => page.waitForFunction(expr, null, { timeout, polling: 50 });

  // Sign in once (PKCE through the local issuer); the token stays in this tab's sessionStorage.
  await page.goto(base + '/');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/oauth2\/authorize/);
  await page.locator('input[name=username]').fill(user);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/files/`);
  await waitFor(() => window.__bench?.listed);

  // First paint, signed in, the top folder: cold (browser cache cleared) and warm.
  for (const kind of ['cold', 'warm']) {
    for (let i = 0; i < runs; i++) {
      if (kind === 'cold') await cdp.send('Network.clearBrowserCache');
      await page.goto(`${base}/files/`);
      await waitFor(() => window.__bench?.listed);
      const b = await bench();
      const nav = await page.evaluate(() => {
        const n = performance.getEntriesByType('navigation')[0];
        const res = performance.getEntriesByType('resource');
        return { responseEnd: n.responseEnd, domContentLoaded: n.domContentLoadedEventEnd, load: n.loadEventEnd,
          transferred: res.reduce((s, r) => s + (r.transferSize || 0), n.transferSize || 0),
          resources: res.map((r) => ({ name: r.name.replace(location.origin, ''), start: Math.round(r.startTime), end: Math.round(r.responseEnd) })) };
      });
      out.paint[kind].push({ fp: b.paint['first-paint'], fcp: b.paint['first-contentful-paint'], lcp: b.lcp, rows: b.rows, listed: b.listed, listedText: b.listedText, ...nav });
    }
  }
  await page.screenshot({ path: join(shots, '01-root.png') });

  // The 10,000-entry folder: navigation → the last page listed and the rows drawn; then scrolling to the end.
  for (let i = 0; i < runs; i++) {
    await page.goto(`${base}/files/many`);
    await waitFor(() => window.__bench?.listed, 120_000);
    const b = await bench();
    const api = await page.evaluate(() => performance.getEntriesByType('resource').filter((r) => r.name.includes('/v1/files'))
      .map((r) => ({ start: r.startTime, end: r.responseEnd, ttfb: r.responseStart - r.requestStart, bytes: r.encodedBodySize })));
    out.list.push({ fcp: b.paint['first-contentful-paint'], firstRows: b.rows, listed: b.listed, listedText: b.listedText,
      pages: api.length, firstRequest: api[0]?.start, lastResponse: api[api.length - 1]?.end,
      apiMs: api.reduce((s, r) => s + (r.end - r.start), 0), ttfbMs: api.map((r) => Math.round(r.ttfb)),
      bodyBytes: api.reduce((s, r) => s + r.bytes, 0) });
  }
  if (!/^10000 items$|^\d+ items$/.test(out.list[0].listedText ?? '')) throw new Error(`the folder shows ${out.list[0].listedText}`);
  await page.screenshot({ path: join(shots, '02-many.png') });
  // Scrolling: to the end at once (the last row drawn), then through the whole list 10 screens a frame.
  for (let i = 0; i < 3; i++) {
    const s = await page.evaluate(async () => {
      const el = document.querySelector('.vlist');
      el.scrollTop = 0;
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      const n = Number(document.querySelector('.vlist [role=option]').getAttribute('aria-setsize'));
      const t0 = performance.now();
      el.scrollTop = el.scrollHeight;
      await new Promise((resolve) => {
        const tick = () => document.querySelector(`.vlist [aria-posinset="${n}"]`) ? resolve() : requestAnimationFrame(tick);
        tick();
      });
      await new Promise((r) => requestAnimationFrame(() => { const c = new MessageChannel(); c.port1.onmessage = r; c.port2.postMessage(0); }));
      const toEnd = performance.now() - t0;
      el.scrollTop = 0;
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      const frames = [];
      let last = performance.now();
      const t1 = last;
      while (el.scrollTop + el.clientHeight < el.scrollHeight - 1) {
        el.scrollTop += el.clientHeight * 10;
        await new Promise((r) => requestAnimationFrame(r));
        const now = performance.now();
        frames.push(now - last);
        last = now;
      }
      frames.sort((a, b) => a - b);
      return { rows: n, toEndMs: toEnd, sweepMs: performance.now() - t1, frames: frames.length,
        medianFrameMs: frames[frames.length >> 1], maxFrameMs: frames[frames.length - 1],
        lastRow: document.querySelector(`.vlist [aria-posinset="${n}"] .label`)?.textContent };
    });
    out.scroll.push(s);
  }
  await page.screenshot({ path: join(shots, '03-many-end.png') });

  // Uploads: each file picked in "Upload files" in the top folder; pick → the panel says done (painted).
  // WARMUP_FILE first, untimed: the local cloud's JIT compiles s3proxy's and the functions' paths on the first upload
  // (4 s of its CPU for 100 MB in C2 compiler threads), which is not what the browser's upload costs.
  const warmup = env('WARMUP_FILE', '');
  for (const f of warmup ? [warmup, ...bigFiles] : bigFiles) {
    await page.goto(`${base}/files/`);
    await waitFor(() => window.__bench?.listed);
    const name = basename(f);
    const m0 = await metrics();
    const c0 = cpuSnapshot();
    const profiling = env('PROFILE', '') === '1' && f === bigFiles[0];
    if (profiling) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
      await cdp.send('Profiler.start');
    }
    await page.locator('input[data-upload=files]').setInputFiles(f);
    await page.waitForFunction((p) => window.__bench?.done?.[p], name, { timeout: 900_000, polling: 100 });
    const m1 = await metrics();
    const cpu = cpuSince(c0);
    if (profiling) {
      const { profile } = await cdp.send('Profiler.stop');
      writeFileSync(join(shots, `upload-${name}.cpuprofile`), JSON.stringify(profile));
      out.uploadProfile = summarize(profile);
    }
    const b = await bench();
    const st = b.states[name] ?? {};
    const size = statSync(f).size;
    const seconds = (b.done[name] - b.picked) / 1000;
    if (f === warmup) {
      out.warmup = { file: name, seconds, ...cpu };
      console.log(`warm-up upload of ${name}: ${seconds.toFixed(2)} s (not counted)`);
      continue;
    }
    out.upload.push({ file: name, bytes: size, seconds, mbps: size / 1e6 / seconds, failed: st.failed !== undefined,
      pickToUploading: st.uploading !== undefined ? st.uploading - b.picked : null,
      uploadingToSaving: st.committing !== undefined && st.uploading !== undefined ? st.committing - st.uploading : null,
      savingToDone: st.done !== undefined && st.committing !== undefined ? st.done - st.committing : null,
      mainThreadTaskS: m1.TaskDuration - m0.TaskDuration, scriptS: m1.ScriptDuration - m0.ScriptDuration, ...cpu });
    await page.screenshot({ path: join(shots, `04-uploaded-${name}.png`) });
  }

  // Downloads: the first uploaded file from its row's Download button; click → "Downloaded NAME." (the Blob
  // checked against its hashes and handed to <a download>), and the saved bytes compared.
  if (bigFiles.length > 0) {
    const f = bigFiles[0];
    const name = basename(f);
    const want = createHash('sha256').update(readFileSync(f)).digest('hex');
    for (let i = 0; i < downloadRuns; i++) {
      await page.goto(`${base}/files/`);
      await waitFor(() => window.__bench?.listed);
      const m0 = await metrics();
      await page.getByRole('option').filter({ has: page.locator('.label', { hasText: name }) }).first().hover();
      const c0 = cpuSnapshot();
      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: 900_000 }),
        page.getByRole('button', { name: `Download ${name}` }).click(),
      ]);
      await page.waitForFunction(() => window.__bench?.downloadDone, null, { timeout: 900_000, polling: 100 });
      const m1 = await metrics();
      const cpu = cpuSince(c0);
      const b = await bench();
      const size = statSync(f).size;
      const seconds = (b.downloadDone - b.downloadStart) / 1000;
      const got = createHash('sha256').update(readFileSync(await download.path())).digest('hex');
      out.download.push({ file: name, bytes: size, seconds, mbps: size / 1e6 / seconds, same: got === want,
        mainThreadTaskS: m1.TaskDuration - m0.TaskDuration, scriptS: m1.ScriptDuration - m0.ScriptDuration, ...cpu });
      await download.delete();
    }
  }
} catch (e) {
  console.log(`FAILED: ${e.stack ?? e}`);
  code = 1;
} finally {
  await context?.close().catch(() => {});
  rmSync(userDataDir, { recursive: true, force: true });
  rmSync(downloads, { recursive: true, force: true });
}

/** A CPU profile's self time by function (top 15), in ms. */
function summarize(profile) {
  const self = new Map();
  const dt = new Map();
  for (let i = 0; i < profile.samples.length; i++) dt.set(profile.samples[i], (dt.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
  for (const n of profile.nodes) {
    const cf = n.callFrame;
    const key = `${cf.functionName || '(anonymous)'} ${cf.url ? cf.url.replace(/^.*\//, '') + ':' + (cf.lineNumber + 1) : ''}`.trim();
    self.set(key, (self.get(key) ?? 0) + (dt.get(n.id) ?? 0) / 1000);
  }
  return [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([k, v]) => `${Math.round(v)} ms  ${k}`);
}

// ---------------------------------------------------------------------------------------------------------------
const median = (xs) => { const s = xs.filter((x) => typeof x === 'number').sort((a, b) => a - b); return s.length ? s[(s.length - 1) >> 1] : NaN; };
const max = (xs) => Math.max(...xs.filter((x) => typeof x === 'number'));
const ms = (x) => Number.isFinite(x) ? `${Math.round(x)} ms` : '—';
const rowsOut = [];
const row = (what, fig, target, ok) => rowsOut.push(`| ${what} | ${fig} | ${target} | ${ok === undefined ? '' : ok ? 'met' : '**missed**'} |`);
for (const kind of ['cold', 'warm']) {
  const p = out.paint[kind];
  if (p.length === 0) continue;
  row(`first contentful paint, top folder, ${kind} cache (median / max of ${p.length})`, `${ms(median(p.map((x) => x.fcp)))} / ${ms(max(p.map((x) => x.fcp)))}`, '≤ 1 s', max(p.map((x) => x.fcp)) <= 1000);
  row(`listing painted, top folder, ${kind} cache`, `${ms(median(p.map((x) => x.listed)))} / ${ms(max(p.map((x) => x.listed)))}`, '≤ 1 s', max(p.map((x) => x.listed)) <= 1000);
}
if (out.list.length) {
  const l = out.list;
  row(`${many}-entry folder: first rows painted (median / max of ${l.length})`, `${ms(median(l.map((x) => x.firstRows)))} / ${ms(max(l.map((x) => x.firstRows)))}`, '', undefined);
  row(`${many}-entry folder: every page listed, rows painted ("${l[0].listedText}")`, `${ms(median(l.map((x) => x.listed)))} / ${ms(max(l.map((x) => x.listed)))}`, '≤ 1 s', max(l.map((x) => x.listed)) <= 1000);
  row(`  of which ${l[0].pages} × GET /v1/files (sum of request times)`, `${ms(median(l.map((x) => x.apiMs)))}`, '', undefined);
}
if (out.scroll.length) {
  const s = out.scroll;
  row('scroll to the end, last row painted (median of 3)', ms(median(s.map((x) => x.toEndMs))), '', undefined);
  row(`sweep top → end, 10 screens a frame (${s[0].frames} frames): median / longest frame`, `${ms(median(s.map((x) => x.medianFrameMs)))} / ${ms(max(s.map((x) => x.maxFrameMs)))}`, '', undefined);
}
for (const u of out.upload) {
  row(`upload ${(u.bytes / 1e6).toFixed(1)} MB (${u.file}): pick → panel says done`, `${u.seconds.toFixed(2)} s = ${u.mbps.toFixed(1)} MB/s${u.failed ? ' (FAILED)' : ''}`, '≥ 50 MB/s', !u.failed && u.mbps >= 50);
  row('  CPU: the page\'s main thread (CDP TaskDuration) / all Chromium processes / the local cloud\'s JVM / the machine',
    `${u.mainThreadTaskS.toFixed(2)} s / ${u.browserCpuS.toFixed(2)} s / ${u.cloudCpuS.toFixed(2)} s / ${u.machineCpuS.toFixed(2)} s`, '', undefined);
}
for (const d of out.download) {
  row(`download ${(d.bytes / 1e6).toFixed(1)} MB (${d.file}): click → "Downloaded"${d.same ? ', bytes equal' : ', BYTES DIFFER'}`, `${d.seconds.toFixed(2)} s = ${d.mbps.toFixed(1)} MB/s (CPU: main thread ${d.mainThreadTaskS.toFixed(2)} s, Chromium ${d.browserCpuS.toFixed(2)} s, cloud ${d.cloudCpuS.toFixed(2)} s)`, '', undefined);
}
for (const u of out.upload) console.log(`the local cloud's CPU by thread during the upload of ${u.file}:\n  ${u.cloudThreads.join('\n  ')}`);
if (out.uploadProfile) console.log(`the page's main thread during the first upload, self time (CPU profile):\n  ${out.uploadProfile.join('\n  ')}`);
const table = ['| what | figure | target | |', '| --- | --- | --- | --- |', ...rowsOut].join('\n');
console.log(table);
out.table = table;
if (env('OUT', '')) writeFileSync(env('OUT'), JSON.stringify(out, null, 2));
process.exit(code);
