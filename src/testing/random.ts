/** A small, fast seeded PRNG (mulberry32): the same seed gives the same sequence. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mixes values into one 32-bit seed (FNV-1a), so every record can have its own generator. */
export function hashSeed(...parts: ReadonlyArray<string | number>): number {
  let hash = 0x811c9dc5;
  for (const part of parts) {
    const text = `${part}\u0000`;
    for (let index = 0; index < text.length; index++) {
      hash ^= text.charCodeAt(index);
      hash = Math.imul(hash, 0x01000193);
    }
  }
  return hash >>> 0;
}

/** A uniform whole number in `[min, max]`. */
export function between(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

export function pick<Items extends readonly [unknown, ...unknown[]]>(
  random: () => number,
  items: Items,
): Items[number] {
  return items[Math.floor(random() * items.length)] ?? items[0];
}

const HEX = '0123456789abcdef';
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function randomString(
  random: () => number,
  length: number,
  alphabet = ALPHANUMERIC,
): string {
  let result = '';
  for (let index = 0; index < length; index++) {
    result += alphabet[Math.floor(random() * alphabet.length)];
  }
  return result;
}

/** A version-4-shaped UUID drawn from `random`. */
export function randomUuid(random: () => number): string {
  const hex = randomString(random, 32, HEX);
  const variant = HEX[8 + Math.floor(random() * 4)];
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function randomDigits(random: () => number, length: number): string {
  return randomString(random, length, '0123456789');
}
