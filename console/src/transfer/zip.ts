/**
 * A zip writer for the browser: stored entries (no compression: a folder download is mostly already-compressed media,
 * and storing keeps it at the speed of the network), CRC-32, UTF-8 names (general purpose flag bit 11), and ZIP64
 * (APPNOTE 6.3.x, section 4.5.3) for entries or archives past 4 GiB or past 65,535 entries. The archive is a Blob made
 * of the entries' Blobs, so the browser can keep the bytes out of the JS heap.
 */

const CRC_TABLE = (() => {
  const t = new Uint32Array(256 * 4);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) {
      c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    t[n] = c >>> 0;
  }
  // Slicing by 4: t[k * 256 + n] is the CRC of byte n followed by k zero bytes.
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 4; k++) {
      const prev = t[(k - 1) * 256 + n];
      t[k * 256 + n] = (t[prev & 0xff] ^ (prev >>> 8)) >>> 0;
    }
  }
  return t;
})();

/** CRC-32 (ISO-HDLC, zip's) of `data`, continuing from `crc` (0 to start). */
export function crc32(data: Uint8Array, crc = 0): number {
  const t = CRC_TABLE;
  let c = ~crc >>> 0;
  let i = 0;
  const n = data.length;
  for (; i + 4 <= n; i += 4) {
    c ^= data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    c = t[768 + (c & 0xff)] ^ t[512 + ((c >>> 8) & 0xff)] ^ t[256 + ((c >>> 16) & 0xff)] ^ t[c >>> 24];
  }
  for (; i < n; i++) {
    c = t[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  }
  return ~c >>> 0;
}

const U32 = 0xffffffff;
const READ = 4 << 20;

/** What an entry is, as Unix file modes in the central directory tell unzip (which restores them). */
export type EntryKind = 'file' | 'executable' | 'symlink' | 'directory';

const MODES: Record<EntryKind, number> = {
  file: (0o100644 << 16) >>> 0,
  executable: (0o100755 << 16) >>> 0,
  symlink: (0o120777 << 16) >>> 0,
  directory: ((0o40755 << 16) | 0x10) >>> 0, // and the MS-DOS directory bit
};

interface Entry {
  name: Uint8Array;
  crc: number;
  size: number;
  offset: number;
  time: number;
  date: number;
  kind: EntryKind;
}

export interface ZipOptions {
  /** Write ZIP64 fields even where sizes fit in 32 bits (tests; some tools need it for streaming). */
  forceZip64?: boolean;
}

export class ZipWriter {
  private readonly parts: BlobPart[] = [];
  private readonly entries: Entry[] = [];
  private readonly names = new Set<string>();
  private offset = 0;
  private finished = false;

  constructor(private readonly options: ZipOptions = {}) {}

  /**
   * Adds a file (`executable`: mode 755); its CRC-32 is computed by reading `data` in pieces (a Blob is read 4 MiB at a
   * time).
   */
  async addFile(name: string, data: Blob | Uint8Array, modified: Date = new Date(), signal?: AbortSignal,
    kind: 'file' | 'executable' = 'file'): Promise<void> {
    const blob = data instanceof Blob ? data : new Blob([data as Uint8Array<ArrayBuffer>]);
    let crc = 0;
    for (let pos = 0; pos < blob.size; pos += READ) {
      signal?.throwIfAborted();
      crc = crc32(new Uint8Array(await blob.slice(pos, Math.min(blob.size, pos + READ)).arrayBuffer()), crc);
    }
    this.add(cleanName(name), blob, crc, modified, kind);
  }

  /** Adds a symbolic link: its data is the target path (Info-ZIP's convention, which unzip turns back into a link). */
  addSymlink(name: string, target: string, modified: Date = new Date()): void {
    const bytes = new TextEncoder().encode(target);
    this.add(cleanName(name), new Blob([bytes]), crc32(bytes), modified, 'symlink');
  }

  /** Adds a directory entry (`name/`), for an empty folder. */
  addDirectory(name: string, modified: Date = new Date()): void {
    const n = cleanName(name).replace(/\/*$/, '/');
    this.add(n, new Blob([]), 0, modified, 'directory');
  }

  get count(): number {
    return this.entries.length;
  }

  private add(name: string, blob: Blob, crc: number, modified: Date, kind: EntryKind): void {
    if (this.finished) {
      throw new Error('the zip is finished');
    }
    if (this.names.has(name)) {
      throw new Error(`${name} is in the zip already`);
    }
    this.names.add(name);
    const nameBytes = new TextEncoder().encode(name);
    const size = blob.size;
    const zip64 = this.options.forceZip64 || size >= U32;
    const { time, date } = dosTime(modified);
    const header = new DataView(new ArrayBuffer(30 + nameBytes.length + (zip64 ? 20 : 0)));
    header.setUint32(0, 0x04034b50, true);
    header.setUint16(4, zip64 ? 45 : 20, true);
    header.setUint16(6, 0x0800, true); // names are UTF-8
    header.setUint16(8, 0, true); // stored
    header.setUint16(10, time, true);
    header.setUint16(12, date, true);
    header.setUint32(14, crc, true);
    header.setUint32(18, zip64 ? U32 : size, true);
    header.setUint32(22, zip64 ? U32 : size, true);
    header.setUint16(26, nameBytes.length, true);
    header.setUint16(28, zip64 ? 20 : 0, true);
    new Uint8Array(header.buffer).set(nameBytes, 30);
    if (zip64) {
      const x = 30 + nameBytes.length;
      header.setUint16(x, 0x0001, true);
      header.setUint16(x + 2, 16, true);
      setU64(header, x + 4, size);
      setU64(header, x + 12, size);
    }
    this.entries.push({ name: nameBytes, crc, size, offset: this.offset, time, date, kind });
    this.parts.push(header.buffer, blob);
    this.offset += header.byteLength + size;
  }

  /** The archive. No entry can be added after. */
  finish(): Blob {
    this.finished = true;
    const cdStart = this.offset;
    let cdSize = 0;
    for (const e of this.entries) {
      const bigSize = this.options.forceZip64 || e.size >= U32;
      const bigOffset = this.options.forceZip64 || e.offset >= U32;
      const extra = (bigSize ? 16 : 0) + (bigOffset ? 8 : 0);
      const h = new DataView(new ArrayBuffer(46 + e.name.length + (extra ? 4 + extra : 0)));
      h.setUint32(0, 0x02014b50, true);
      h.setUint16(4, (3 << 8) | 45, true); // made by: Unix, 4.5
      h.setUint16(6, extra ? 45 : 20, true);
      h.setUint16(8, 0x0800, true);
      h.setUint16(10, 0, true);
      h.setUint16(12, e.time, true);
      h.setUint16(14, e.date, true);
      h.setUint32(16, e.crc, true);
      h.setUint32(20, bigSize ? U32 : e.size, true);
      h.setUint32(24, bigSize ? U32 : e.size, true);
      h.setUint16(28, e.name.length, true);
      h.setUint16(30, extra ? 4 + extra : 0, true);
      h.setUint32(38, MODES[e.kind], true);
      h.setUint32(42, bigOffset ? U32 : e.offset, true);
      new Uint8Array(h.buffer).set(e.name, 46);
      if (extra) {
        let x = 46 + e.name.length;
        h.setUint16(x, 0x0001, true);
        h.setUint16(x + 2, extra, true);
        x += 4;
        if (bigSize) {
          setU64(h, x, e.size);
          setU64(h, x + 8, e.size);
          x += 16;
        }
        if (bigOffset) {
          setU64(h, x, e.offset);
        }
      }
      this.parts.push(h.buffer);
      cdSize += h.byteLength;
    }
    const count = this.entries.length;
    const zip64 = this.options.forceZip64 || count >= 0xffff || cdStart >= U32 || cdSize >= U32;
    if (zip64) {
      const z = new DataView(new ArrayBuffer(56 + 20));
      z.setUint32(0, 0x06064b50, true);
      setU64(z, 4, 44);
      z.setUint16(12, (3 << 8) | 45, true);
      z.setUint16(14, 45, true);
      z.setUint32(16, 0, true);
      z.setUint32(20, 0, true);
      setU64(z, 24, count);
      setU64(z, 32, count);
      setU64(z, 40, cdSize);
      setU64(z, 48, cdStart);
      z.setUint32(56, 0x07064b50, true); // the locator
      z.setUint32(60, 0, true);
      setU64(z, 64, cdStart + cdSize);
      z.setUint32(72, 1, true);
      this.parts.push(z.buffer);
    }
    const end = new DataView(new ArrayBuffer(22));
    end.setUint32(0, 0x06054b50, true);
    end.setUint16(8, zip64 ? 0xffff : count, true);
    end.setUint16(10, zip64 ? 0xffff : count, true);
    end.setUint32(12, zip64 ? U32 : cdSize, true);
    end.setUint32(16, zip64 ? U32 : cdStart, true);
    this.parts.push(end.buffer);
    return new Blob(this.parts, { type: 'application/zip' });
  }
}

function setU64(v: DataView, at: number, n: number): void {
  v.setUint32(at, n >>> 0, true);
  v.setUint32(at + 4, Math.floor(n / 2 ** 32), true);
}

/** A path inside the zip: '/'-separated, no leading '/', no '.' or '..' names (a zip-slip guard for the reader). */
function cleanName(name: string): string {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.' && p !== '..');
  if (parts.length === 0) {
    throw new Error(`not a name for a zip entry: ${JSON.stringify(name)}`);
  }
  return parts.join('/');
}

function dosTime(d: Date): { time: number; date: number } {
  const year = Math.min(Math.max(d.getFullYear(), 1980), 2107);
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}
