// The statistics every benchmark prints: the median of repeated ratios and their spread.

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** The `q` quantile (0..1) of `xs`, the nearest rank. */
export const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
};

/** `name: median ratio 0.42 (spread 0.38–0.47, 5 reps)` */
export function ratioLine(name: string, ratios: number[], digits = 2): string {
  return `${name}: median ratio ${median(ratios).toFixed(digits)} (spread ${Math.min(...ratios).toFixed(digits)}–${Math.max(...ratios).toFixed(digits)}, ${ratios.length} reps)`;
}
