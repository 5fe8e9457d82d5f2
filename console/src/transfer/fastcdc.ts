/**
 * FastCDC chunk boundaries, exactly those of the Java client (functions/core: FastCdc, GearTable, ChunkingProfile,
 * ChunkingPolicy; FastCdc's Javadoc is the specification). A browser that cuts a file differently from the CLI would
 * share no chunk with it, so the boundaries are pinned by vectors generated from the Java code
 * (test/transfer/fixtures/chunking-vectors.json, written by functions/core's ConsoleChunkingVectorsTest).
 *
 * The gear hash is 64-bit unsigned arithmetic; here it is held in two int32 halves (hi, lo), so the hot loop uses
 * only 32-bit integer operations (no BigInt, no floating point; the low half's carry by the adder's rule). Every mask has its
 * one-bits in 15..62, so `(h & mask) == 0` is `(hi & maskHi) == 0 && (lo & maskLo) == 0`.
 */

export interface ChunkingProfile {
  readonly name: string;
  readonly minSize: number;
  readonly avgSize: number;
  readonly maxSize: number;
  readonly normalizationLevel: number;
  /** The gear table's SplitMix64 seed, as 16 hex digits. */
  readonly gearSeed: bigint;
}

const SEED = 0x43484b5641554c54n; // "CHKVAULT"

/** min 64 KiB, average 256 KiB, max 1 MiB: new files under 128 MiB. */
export const DEFAULT_PROFILE: ChunkingProfile = {
  name: 'fastcdc-v1-64k-256k-1m', minSize: 64 << 10, avgSize: 256 << 10, maxSize: 1 << 20, normalizationLevel: 2,
  gearSeed: SEED,
};

/** min 1 MiB, average 4 MiB, max 8 MiB: new files of 128 MiB and more. */
export const LARGE_PROFILE: ChunkingProfile = {
  name: 'fastcdc-v1-1m-4m-8m', minSize: 1 << 20, avgSize: 4 << 20, maxSize: 8 << 20, normalizationLevel: 2,
  gearSeed: SEED,
};

export const PROFILES: Readonly<Record<string, ChunkingProfile>> = {
  [DEFAULT_PROFILE.name]: DEFAULT_PROFILE,
  [LARGE_PROFILE.name]: LARGE_PROFILE,
};

/** A new file of at least this many bytes is cut with the large profile (ChunkingPolicy.LARGE_FILE_BYTES). */
export const LARGE_FILE_BYTES = 128 * 2 ** 20;
/** A file cut with the default profile moves to the large one at this size. */
export const GROW_TO_LARGE_BYTES = 2 ** 30;
/** A file cut with the large profile moves back to the default one below this size. */
export const SHRINK_TO_DEFAULT_BYTES = 16 * 2 ** 20;

/**
 * ChunkingPolicy.forFile: the profile for content of `size` bytes replacing a version cut with `baseProfile`
 * (undefined for a new file, or a profile this build does not know).
 */
export function profileForFile(size: number, baseProfile?: string | null): ChunkingProfile {
  const base = baseProfile ? PROFILES[baseProfile] : undefined;
  if (base === DEFAULT_PROFILE) {
    return size >= GROW_TO_LARGE_BYTES ? LARGE_PROFILE : DEFAULT_PROFILE;
  }
  if (base === LARGE_PROFILE) {
    return size < SHRINK_TO_DEFAULT_BYTES ? DEFAULT_PROFILE : LARGE_PROFILE;
  }
  return size >= LARGE_FILE_BYTES ? LARGE_PROFILE : DEFAULT_PROFILE;
}

const M64 = (1n << 64n) - 1n;

/** The 256 SplitMix64 outputs from `seed` (GearTable), as 64-bit unsigned bigints. Only run once per profile. */
export function gearTable(seed: bigint): bigint[] {
  const out: bigint[] = [];
  let state = seed & M64;
  for (let i = 0; i < 256; i++) {
    state = (state + 0x9e3779b97f4a7c15n) & M64;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
    out.push(z ^ (z >> 31n));
  }
  return out;
}

/** FastCdc.spreadMask: `oneBits` one-bits at positions 62 - floor(j * 48 / oneBits). */
export function spreadMask(oneBits: number): bigint {
  if (oneBits < 1 || oneBits > 48) {
    throw new RangeError(`a mask has 1..48 one-bits, not ${oneBits}`);
  }
  let mask = 0n;
  for (let j = 0; j < oneBits; j++) {
    mask |= 1n << BigInt(62 - Math.floor((j * 48) / oneBits));
  }
  return mask;
}

/** The boundary finder of one profile (FastCdc). Immutable. */
export class FastCdc {
  readonly profile: ChunkingProfile;
  readonly normalSize: number;
  private readonly gHi = new Int32Array(256);
  private readonly gLo = new Int32Array(256);
  private readonly sHi: number;
  private readonly sLo: number;
  private readonly lHi: number;
  private readonly lLo: number;

  private static readonly cache = new Map<string, FastCdc>();

  /** The (cached) chunker of `profile`. */
  static of(profile: ChunkingProfile): FastCdc {
    let cdc = FastCdc.cache.get(profile.name);
    if (!cdc || cdc.profile !== profile) {
      cdc = new FastCdc(profile);
      FastCdc.cache.set(profile.name, cdc);
    }
    return cdc;
  }

  constructor(profile: ChunkingProfile) {
    this.profile = profile;
    const gear = gearTable(profile.gearSeed);
    for (let b = 0; b < 256; b++) {
      this.gHi[b] = Number(gear[b] >> 32n) | 0;
      this.gLo[b] = Number(gear[b] & 0xffffffffn) | 0;
    }
    this.normalSize = profile.avgSize - Math.floor(profile.minSize / 2);
    const bits = Math.log2(profile.avgSize);
    if (!Number.isInteger(bits)) {
      throw new RangeError('average chunk size must be a power of two');
    }
    const s = spreadMask(bits + profile.normalizationLevel);
    const l = spreadMask(bits - profile.normalizationLevel);
    this.sHi = Number(s >> 32n) | 0;
    this.sLo = Number(s & 0xffffffffn) | 0;
    this.lHi = Number(l >> 32n) | 0;
    this.lLo = Number(l & 0xffffffffn) | 0;
  }

  /**
   * The length of the chunk that starts at `data[offset]` when `length` bytes from there on are available: final when
   * `length >= maxSize` or when they are all that is left of the input (FastCdc.cut). 0 if `length` is 0.
   */
  cut(data: Uint8Array, offset: number, length: number): number {
    const { minSize, maxSize } = this.profile;
    if (length <= minSize) {
      return length;
    }
    const end = offset + Math.min(length, maxSize);
    const normalEnd = offset + Math.min(this.normalSize, end - offset);
    const gHi = this.gHi;
    const gLo = this.gLo;
    let hi = 0;
    let lo = 0;
    let i = offset + minSize;
    let mHi = this.sHi;
    let mLo = this.sLo;
    let stop = normalEnd;
    for (let phase = 0; phase < 2; phase++) {
      for (; i < stop; i++) {
        const b = data[i];
        // h = (h << 1) + G[b], modulo 2^64, in two int32 halves: int32 operations only (no float, no BigInt). The
        // carry out of the low half is the top bit of (x & y) | ((x | y) & ~sum), the adder's carry rule.
        const x = lo << 1;
        const y = gLo[b];
        const sum = (x + y) | 0;
        hi = (((hi << 1) | (lo >>> 31)) + gHi[b] + (((x & y) | ((x | y) & ~sum)) >>> 31)) | 0;
        lo = sum;
        if ((hi & mHi) === 0 && (lo & mLo) === 0) {
          return i + 1 - offset;
        }
      }
      mHi = this.lHi;
      mLo = this.lLo;
      stop = end;
    }
    return end - offset;
  }
}
