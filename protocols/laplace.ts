/** A uniform double in [0, 1) from the platform's CSPRNG (53 random bits). */
export function secureRandom(): number {
  const [hi, lo] = globalThis.crypto.getRandomValues(new Uint32Array(2));
  return ((hi >>> 5) * 67108864 + (lo >>> 6)) / 9007199254740992;
}

/**
 * One draw of Laplace(0, scale) by the inverse CDF. The density is exp(-|x|/scale) / (2 scale):
 * mean |x| = scale, variance 2 scale^2.
 */
export function laplace(scale: number, random: () => number = secureRandom): number {
  if (!(scale > 0)) throw new RangeError(`Laplace scale must be > 0, got ${scale}`);
  let u = random() - 0.5;
  // u = -0.5 would give log(0)
  while (u === -0.5) u = random() - 0.5;
  return -scale * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
}
