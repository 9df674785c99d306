/** Nova microversions ('X.Y'), which the API client and the key pair name rules both compare. */
/** Compares 'X.Y' microversions numerically (2.10 > 2.9). */
export function compareVersions(left: string, right: string): number {
  const [am = 0, an = 0] = left.split('.').map(Number);
  const [bm = 0, bn = 0] = right.split('.').map(Number);
  return am - bm || an - bn;
}
