// Names, sizes, dates, sorting and conflicted-copy marks: pure functions the views and the tests share.
import type { FileEntry } from './api/types';

/** The last segment of a path. */
export function baseName(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

/** The folder of a path ('' for the root). */
export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

export function formatBytes(n: number | undefined): string {
  if (n === undefined || n === null || !Number.isFinite(n)) return '—';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

export function formatTime(iso: string | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit' });
}

/** The sync client's conflicted copies (functions/core ConflictedCopies) and case/Unicode aliases (client CaseAliases). */
const CONFLICTED_COPY = / \(conflicted copy .+ \d{4}-\d{2}-\d{2} \d{6}(?: \d+)?\)/;
const ALIAS = / \((?:Case|Unicode) Conflict(?: \d+)?\)/;

export type ConflictKind = 'conflicted copy' | 'case conflict' | 'unicode conflict' | null;

export function conflictKind(name: string): ConflictKind {
  if (CONFLICTED_COPY.test(name)) return 'conflicted copy';
  const m = ALIAS.exec(name);
  if (m) return m[0].includes('Unicode') ? 'unicode conflict' : 'case conflict';
  return null;
}

const MARKED = /^(.*) \(conflicted copy .+ \d{4}-\d{2}-\d{2} \d{6}(?: \d+)?\)$/u;
const COMPRESSION = new Set(['gz', 'bz2', 'xz', 'zst', 'lz', 'lz4', 'lzma', 'z', 'br']);
const MAX_NAME_BYTES = 255;
const MAX_DEVICE_BYTES = 40;
const MAX_EXTENSION_CODE_POINTS = 16;
const DEVICE_FORBIDDEN = '/\\()<>:"|?*';

/**
 * The conflicted-copy name of `name` (one path segment) made by `device` at `time` (the device's wall clock), exactly
 * as functions/core ConflictedCopies names them: `a (conflicted copy <device> <YYYY-MM-DD HHMMSS>[ n]).ext`, the
 * marker before the extension (both parts of `.tar.gz`), an old marker replaced, never nested; at most 255 UTF-8 bytes,
 * the base cut on a code point boundary if needed.
 */
export function conflictedCopyName(name: string, device: string, time: Date, number = 1): string {
  const [base, ext] = splitExtension(name.normalize('NFC'));
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp = `${p(time.getFullYear(), 4)}-${p(time.getMonth() + 1)}-${p(time.getDate())} ${p(time.getHours())}${p(time.getMinutes())}${p(time.getSeconds())}`;
  const marker = ` (conflicted copy ${deviceForMarker(device)} ${stamp}${number === 1 ? '' : ` ${number}`})`;
  const m = MARKED.exec(base);
  const original = m ? m[1] : base;
  const budget = MAX_NAME_BYTES - utf8Length(marker) - utf8Length(ext);
  return (cutUtf8(original, budget) + marker + ext).normalize('NFC');
}

function splitExtension(name: string): [string, string] {
  let dot = name.lastIndexOf('.');
  const ext = name.slice(dot + 1);
  const points = [...ext];
  if (dot <= 0 || points.length < 1 || points.length > MAX_EXTENSION_CODE_POINTS || /[\s()]/u.test(ext)) return [name, ''];
  const base = name.slice(0, dot);
  if (COMPRESSION.has(ext.toLowerCase()) && base.length > 4 && base.slice(-4).toLowerCase() === '.tar') dot -= 4;
  return [name.slice(0, dot), name.slice(dot)];
}

function deviceForMarker(device: string): string {
  let kept = '';
  for (const ch of device.normalize('NFC')) {
    const drop = /[\p{Cc}\p{Cf}\p{Cs}\s\p{Zs}]/u.test(ch) || DEVICE_FORBIDDEN.includes(ch);
    kept += drop ? ' ' : ch;
  }
  const cut = cutUtf8(kept.trim().replace(/ +/g, ' '), MAX_DEVICE_BYTES).trim();
  return cut || 'unknown device';
}

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** The longest prefix of `s` of at most `max` UTF-8 bytes, cut between code points. */
function cutUtf8(s: string, max: number): string {
  let bytes = 0;
  let out = '';
  for (const ch of s) {
    const n = utf8Length(ch);
    if (bytes + n > max) break;
    bytes += n;
    out += ch;
  }
  return out;
}

/** A row of the folder view: a sub-folder or a file. */
export interface Row {
  kind: 'folder' | 'file';
  name: string;
  path: string;
  size?: number;
  modified?: string;
  entry?: FileEntry;
  conflict: ConflictKind;
}

export type SortKey = 'name' | 'size' | 'modified';
export type SortDir = 'asc' | 'desc';

const COLLATOR = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

export function rowsOf(files: FileEntry[], folders: string[]): Row[] {
  const rows: Row[] = [];
  for (const f of folders) rows.push({ kind: 'folder', name: baseName(f), path: f, conflict: conflictKind(baseName(f)) });
  for (const e of files) {
    if (e.folder) {
      // An empty folder's marker: shown as the folder it stands for.
      rows.push({ kind: 'folder', name: baseName(e.path), path: e.path, conflict: conflictKind(baseName(e.path)), entry: e });
      continue;
    }
    const name = baseName(e.path);
    rows.push({
      kind: 'file', name, path: e.path, size: e.deleted ? undefined : e.size, modified: e.clientMtime ?? e.updatedAt, entry: e, conflict: conflictKind(name),
    });
  }
  return rows;
}

/** Folders first, then by the key; ties by name. */
export function sortRows(rows: Row[], key: SortKey, dir: SortDir): Row[] {
  const sign = dir === 'asc' ? 1 : -1;
  const byName = (a: Row, b: Row) => COLLATOR.compare(a.name, b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  return [...rows].sort((a, b) => {
    if (a.kind !== b.kind) return a.kind === 'folder' ? -1 : 1;
    let c = 0;
    if (key === 'size') c = (a.size ?? -1) - (b.size ?? -1);
    else if (key === 'modified') c = Date.parse(a.modified ?? '') - Date.parse(b.modified ?? '') || 0;
    return sign * (c || byName(a, b));
  });
}

/** Rows whose name contains the filter, case-insensitively. */
export function filterRows(rows: Row[], filter: string): Row[] {
  const f = filter.trim().toLocaleLowerCase();
  return f ? rows.filter((r) => r.name.toLocaleLowerCase().includes(f)) : rows;
}

/** The rows a virtual list draws: first and last index (exclusive) for a scroll offset. */
export function visibleRange(scrollTop: number, viewport: number, rowHeight: number, count: number, overscan = 8): [number, number] {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + viewport) / rowHeight) + overscan);
  return [first, Math.max(first, last)];
}
