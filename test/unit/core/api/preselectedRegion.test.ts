// Which region Sign In preselects after signing in (src/core/api/identity.ts preselectedRegion):
// clouds.yaml's region_name (or the account's last region) when the catalog has it, else the default.
import * as assert from 'node:assert/strict';
import { preselectedRegion } from '../../../../src/core/api/identity';

const regions = ['DFW', 'IAD', 'ORD', 'RegionOne'].map((region) => ({ region, url: `https://c.example/${region}` }));

describe('preselectedRegion', () => {
  it('the region asked for, spelled as in the catalog', () => {
    assert.equal(preselectedRegion({ regions, defaultRegion: 'DFW' }, 'IAD'), 'IAD');
    assert.equal(preselectedRegion({ regions, defaultRegion: 'DFW' }, ' iad '), 'IAD');
    assert.equal(preselectedRegion({ regions }, 'regionone'), 'RegionOne');
  });

  it('a region the catalog does not have, or none asked: the default (or none)', () => {
    assert.equal(preselectedRegion({ regions, defaultRegion: 'DFW' }, 'LON'), 'DFW');
    assert.equal(preselectedRegion({ regions, defaultRegion: 'DFW' }, undefined), 'DFW');
    assert.equal(preselectedRegion({ regions }, 'LON'), undefined);
    assert.equal(preselectedRegion({ regions }, ''), undefined);
  });

  it('an exact match wins over one that differs only in case', () => {
    const twins = [
      { region: 'east', url: 'https://a/' },
      { region: 'East', url: 'https://b/' },
    ];
    assert.equal(preselectedRegion({ regions: twins }, 'East'), 'East');
  });
});
