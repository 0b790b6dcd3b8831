/**
 * A repeatable pseudo-random source for differential tests (a linear congruential generator,
 * exact in doubles: state < 2^32, multiplier < 2^21): the same seed gives the same documents on
 * every machine, so a failure names a case that can be run again.
 */
export function seededRandom(seed: number): () => number {
  let s = Math.abs(Math.floor(seed)) % 2 ** 32;
  return () => {
    s = (s * 1664525 + 1013904223) % 2 ** 32;
    return s / 2 ** 32;
  };
}
