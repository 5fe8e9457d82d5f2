import { describe, expect, it } from 'vitest';
import { conflictedCopyName, conflictKind, filterRows, formatBytes, rowsOf, sortRows, visibleRange } from '../src/format';
import { href, parseRoute } from '../src/routes';

describe('conflicted copies', () => {
  it('marks the names the sync client gives them', () => {
    expect(conflictKind('a (conflicted copy laptop 2026-01-02 030405).txt')).toBe('conflicted copy');
    expect(conflictKind('a (conflicted copy my phone 2026-01-02 030405 2).txt')).toBe('conflicted copy');
    expect(conflictKind('xt_connmark (Case Conflict).h')).toBe('case conflict');
    expect(conflictKind('café (Unicode Conflict)')).toBe('unicode conflict');
    expect(conflictKind('conflicted copy.txt')).toBeNull();
    expect(conflictKind('notes.txt')).toBeNull();
  });
});

describe('conflicted copy names, as functions/core ConflictedCopies makes them (its test cases)', () => {
  const t1 = new Date(2026, 0, 2, 3, 4, 5);
  const t2 = new Date(2026, 1, 3, 4, 5, 6);
  const m1 = ' (conflicted copy laptop 2026-01-02 030405)';
  it.each([
    ['a.txt', `a${m1}.txt`], ['Makefile', `Makefile${m1}`], ['.bashrc', `.bashrc${m1}`], ['.bashrc.bak', `.bashrc${m1}.bak`],
    ['archive.tar.gz', `archive${m1}.tar.gz`], ['ARCHIVE.TAR.XZ', `ARCHIVE${m1}.TAR.XZ`], ['.tar.gz', `.tar${m1}.gz`],
    ['photo.backup.jpg', `photo.backup${m1}.jpg`], ['v1.2 notes', `v1.2 notes${m1}`], ['file.', `file.${m1}`],
    [`a.${'e'.repeat(17)}`, `a.${'e'.repeat(17)}${m1}`], [`a.${'e'.repeat(16)}`, `a${m1}.${'e'.repeat(16)}`],
    ['cafe\u0301.txt', `caf\u00e9${m1}.txt`],
    ['a (conflicted copy phone 2025-12-31 235959).txt', `a${m1}.txt`],
    ['a (conflicted copy phone 2025-12-31 235959 7).txt', `a${m1}.txt`],
    ['Makefile (conflicted copy bob.mac 2025-12-31 235959)', `Makefile${m1}`],
    ['x (conflicted copy draft).txt', `x (conflicted copy draft)${m1}.txt`],
  ])('%s', (name, expected) => {
    expect(conflictedCopyName(name, 'laptop', t1)).toBe(expected);
    expect(conflictKind(expected)).toBe('conflicted copy');
  });

  it('numbers, replaces an old marker, and cleans the device name', () => {
    expect(conflictedCopyName('a.txt', 'phone', t2, 2)).toBe('a (conflicted copy phone 2026-02-03 040506 2).txt');
    expect(conflictedCopyName('a (conflicted copy phone 2026-02-03 040506 2).txt', 'phone', t2, 3))
      .toBe('a (conflicted copy phone 2026-02-03 040506 3).txt');
    expect(conflictedCopyName('a.txt', "  Bob's   MacBook\tPro  ", t1)).toBe("a (conflicted copy Bob's MacBook Pro 2026-01-02 030405).txt");
    expect(conflictedCopyName('a.txt', 'home/desk\\top', t1)).toBe('a (conflicted copy home desk top 2026-01-02 030405).txt');
    expect(conflictedCopyName('a.txt', '(phone)', t1)).toBe('a (conflicted copy phone 2026-01-02 030405).txt');
    expect(conflictedCopyName('a.txt', '\u200b', t1)).toBe('a (conflicted copy unknown device 2026-01-02 030405).txt');
    expect(conflictedCopyName('a.txt', 'd'.repeat(100), t1)).toBe(`a (conflicted copy ${'d'.repeat(40)} 2026-01-02 030405).txt`);
  });

  it('cuts a long name in its base only, on a code point boundary, to at most 255 bytes', () => {
    for (const base of ['x'.repeat(251), '日'.repeat(83), '\u{1F600}'.repeat(62)]) {
      const copy = conflictedCopyName(`${base}.md`, '\u{1F4F1}'.repeat(30), t2, 12);
      const bytes = new TextEncoder().encode(copy).length;
      expect(bytes).toBeLessThanOrEqual(255);
      expect(bytes).toBeGreaterThan(251);
      expect(copy.endsWith(' 2026-02-03 040506 12).md')).toBe(true);
      expect(base.startsWith(copy.slice(0, copy.indexOf(' (conflicted copy ')))).toBe(true);
    }
  });
});

describe('rows', () => {
  const rows = rowsOf([
    { path: 'd/b.txt', version: '1', size: 30, clientMtime: '2026-01-01T00:00:00Z' },
    { path: 'd/A.txt', version: '2', size: 10, clientMtime: '2026-03-01T00:00:00Z' },
    { path: 'd/c10.txt', version: '3', size: 20, clientMtime: '2026-02-01T00:00:00Z' },
    { path: 'd/c9.txt', version: '4', size: 20, clientMtime: '2026-02-01T00:00:00Z' },
  ], ['d/zz', 'd/aa']);

  it('sorts folders first, then by name (numeric, case-insensitive), size or time', () => {
    expect(sortRows(rows, 'name', 'asc').map((r) => r.name)).toEqual(['aa', 'zz', 'A.txt', 'b.txt', 'c9.txt', 'c10.txt']);
    expect(sortRows(rows, 'name', 'desc').map((r) => r.name)).toEqual(['zz', 'aa', 'c10.txt', 'c9.txt', 'b.txt', 'A.txt']);
    expect(sortRows(rows, 'size', 'desc').map((r) => r.name).slice(2)).toEqual(['b.txt', 'c10.txt', 'c9.txt', 'A.txt']);
    expect(sortRows(rows, 'modified', 'asc').map((r) => r.name).slice(2)).toEqual(['b.txt', 'c9.txt', 'c10.txt', 'A.txt']);
  });

  it('filters by a part of the name', () => {
    expect(filterRows(rows, ' C1 ').map((r) => r.name)).toEqual(['c10.txt']);
    expect(filterRows(rows, '')).toHaveLength(6);
  });

  it('draws only the rows in view of 10,000', () => {
    expect(visibleRange(0, 360, 36, 10_000)).toEqual([0, 18]);
    expect(visibleRange(36 * 5000, 360, 36, 10_000)).toEqual([4992, 5018]);
    expect(visibleRange(36 * 9990, 360, 36, 10_000)).toEqual([9982, 10_000]);
  });

  it('formats sizes', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(100 * 1024 * 1024)).toBe('100 MiB');
  });
});

describe('routes', () => {
  it('round-trip folders and files with any characters', () => {
    for (const folder of ['', 'docs', 'a b/c%d/<img src=x onerror=alert(1)>', 'x?y#z']) {
      expect(parseRoute(new URL(href({ view: 'files', folder }), 'http://h').pathname)).toEqual({ view: 'files', folder });
    }
    expect(parseRoute('/file/docs/a.txt')).toEqual({ view: 'file', path: 'docs/a.txt' });
    expect(parseRoute('/nowhere')).toEqual({ view: 'files', folder: '' });
  });
});

describe('the source', () => {
  it('never renders text as HTML', () => {
    const sources = import.meta.glob('../src/**/*.{ts,tsx}', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
    expect(Object.keys(sources).length).toBeGreaterThan(5);
    for (const [f, s] of Object.entries(sources)) {
      expect(s, f).not.toMatch(/dangerouslySetInnerHTML|innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    }
  });
});
