/** Small statistics for the benchmark. */
import { must } from '../test/support/must';

export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

/** Linear-interpolated quantile (q in 0…1); NaN for no data. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const low = must(s[lo], `sample ${lo}`);
  return low + (must(s[hi], `sample ${hi}`) - low) * (pos - lo);
}

/**
 * 95% bootstrap interval of median(a) / median(b), resampling both arms (fixed seed, so
 * a run's figures are reproducible from its samples).
 */
export function ratioInterval(a: readonly number[], b: readonly number[], rounds = 2000): [number, number] {
  let seed = 0x9e3779b9;
  const rand = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 0x100000000;
  };
  const resample = (xs: readonly number[]) => xs.map(() => must(xs[Math.floor(rand() * xs.length)], 'a sample'));
  const ratios: number[] = [];
  for (let i = 0; i < rounds; i++) ratios.push(median(resample(a)) / median(resample(b)));
  return [quantile(ratios, 0.025), quantile(ratios, 0.975)];
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
