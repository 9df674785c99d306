/**
 * Key pairs in several regions of an emulated Rackspace account (one emulator for the suite):
 * a client per region, and what each region holds as sorted [name, key data] rows.
 */
import type { RegionTarget } from '../../../src/core/flows/copyToRegions';
import { compute, useEmulator } from './env';

export function useRackspaceRegions(regions: string[] = ['DFW', 'ORD', 'IAD', 'LON']) {
  const ctx = useEmulator({ regions });
  const target = (region: string): RegionTarget => ({
    region,
    compute: compute(ctx.emu.rackspaceComputeUrl('123456', region)),
  });
  const inRegion = (region: string) =>
    ctx.emu
      .keypairs(undefined, region)
      .map((k) => [k.name, keyData(k.public_key)])
      .sort();
  return { ctx, target, inRegion };
}

/** `type base64` of a public key line (its comment left out). */
export const keyData = (publicKey: string) => publicKey.split(' ').slice(0, 2).join(' ');
