// Address extraction and the default choice: floating, then public IPv4, then IPv6, then fixed.
import * as assert from 'node:assert/strict';
import {
  AddressRank,
  RawAddressFields,
  ServerAddress,
  chooseAddress,
  describeAddress,
  extractAddresses,
  parseIp,
} from '../../../../src/core/servers/addresses';
import { exactly } from '../../../support/must';

function ips(list: ServerAddress[]): string[] {
  return list.map((a) => a.ip);
}

function os(addr: string, version: 4 | 6, type: 'fixed' | 'floating'): Record<string, unknown> {
  return { addr, version, 'OS-EXT-IPS:type': type, 'OS-EXT-IPS-MAC:mac_addr': 'fa:16:3e:00:00:01' };
}

describe('server addresses', () => {
  describe('OpenStack shape', () => {
    it('floating beats fixed whatever the order in the answer', () => {
      const raw: RawAddressFields = {
        addresses: { private: [os('10.0.0.5', 4, 'fixed'), os('203.0.113.7', 4, 'floating')] },
        accessIPv4: '',
        accessIPv6: '',
      };
      const choice = chooseAddress(extractAddresses(raw));
      assert.equal(choice.best?.ip, '203.0.113.7');
      assert.equal(choice.best?.rank, 'floating');
      assert.deepEqual(ips(choice.others), ['10.0.0.5']);
    });

    it('all orderings of floating, public IPv4, IPv6 and fixed give the same ranking', () => {
      const entries: Array<[string, Record<string, unknown>]> = [
        ['net-a', os('10.1.0.9', 4, 'fixed')],
        ['net-a', os('2001:db8:5::9', 6, 'fixed')],
        ['provider', os('198.51.100.20', 4, 'fixed')],
        ['net-a', os('192.0.2.44', 4, 'floating')],
      ];
      const permutations = (xs: typeof entries): Array<typeof entries> =>
        xs.length <= 1
          ? [xs]
          : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
      const all = permutations(entries);
      assert.equal(all.length, 24);
      for (const order of all) {
        const addresses: Record<string, unknown[]> = {};
        for (const [net, e] of order) (addresses[net] ??= []).push(e);
        const got = extractAddresses({ addresses });
        assert.deepEqual(
          got.map((a) => [a.ip, a.rank]),
          [
            ['192.0.2.44', 'floating'],
            ['198.51.100.20', 'public-ipv4'],
            ['2001:db8:5::9', 'ipv6'],
            ['10.1.0.9', 'fixed'],
          ],
          JSON.stringify(order),
        );
      }
    });

    it('IPv6 only: the global address first, the unique-local one after it', () => {
      const v6 = [os('fd12::5', 6, 'fixed'), os('2001:DB8:0:0::10', 6, 'fixed')];
      const got = extractAddresses({ addresses: { v6 } });
      assert.deepEqual(
        got.map((a) => [a.ip, a.rank, a.version]),
        [
          ['2001:db8::10', 'ipv6', 6],
          ['fd12::5', 'fixed', 6],
        ],
      );
    });

    it('fixed only: the fixed address is still offered', () => {
      const choice = chooseAddress(extractAddresses({ addresses: { private: [os('10.0.0.5', 4, 'fixed')] } }));
      assert.equal(choice.best?.ip, '10.0.0.5');
      assert.equal(choice.best?.rank, 'fixed');
      assert.deepEqual(choice.others, []);
    });

    it('none: no best address and nothing to pick', () => {
      for (const raw of [{}, { addresses: {} }, { addresses: { private: [] } }, { accessIPv4: '', accessIPv6: '' }]) {
        assert.deepEqual(chooseAddress(extractAddresses(raw)), { best: undefined, others: [] });
      }
    });
  });

  describe('Rackspace shape', () => {
    it('accessIPv4, then public IPv6, then ServiceNet; the public copies of access IPs appear once', () => {
      const raw: RawAddressFields = {
        accessIPv4: '198.51.100.8',
        accessIPv6: '2001:db8:1::8',
        addresses: {
          private: [{ addr: '10.176.0.8', version: 4 }],
          public: [
            { addr: '2001:db8:1::8', version: 6 },
            { addr: '198.51.100.8', version: 4 },
          ],
        },
      };
      const got = extractAddresses(raw);
      assert.deepEqual(
        got.map((a) => [a.ip, a.rank, a.network, a.type]),
        [
          ['198.51.100.8', 'public-ipv4', 'accessIPv4', 'access'],
          ['2001:db8:1::8', 'ipv6', 'accessIPv6', 'access'],
          ['10.176.0.8', 'fixed', 'private', undefined],
        ],
      );
    });

    it('the public network without accessIPv4 still ranks as public IPv4 (even a loopback test address)', () => {
      const got = extractAddresses({ addresses: { public: [{ addr: '127.0.0.9', version: 4 }] } });
      assert.deepEqual(
        got.map((a) => a.rank),
        ['public-ipv4'],
      );
    });
  });

  describe('garbage', () => {
    it('rejects non-IP text, wrong versions, zones, link-local IPv6 and odd shapes without throwing', () => {
      const raw = {
        accessIPv4: 'example.com',
        accessIPv6: '10.0.0.1', // an IPv4 where IPv6 is declared
        addresses: {
          a: 'not a list',
          b: [null, 42, 'x', { addr: 5 }, { addr: '999.1.1.1', version: 4 }, { addr: '1.2.3.4; rm -rf /', version: 4 }],
          c: [
            { addr: 'fe80::1', version: 6 },
            { addr: 'fe80::1%eth0', version: 6 },
            { addr: '::ffff:10.0.0.1x', version: 6 },
          ],
          d: [
            { addr: '10.0.0.3', version: 6 },
            { addr: ' 10.0.0.4 ', version: 4 },
          ],
          e: [
            { addr: '-oProxyCommand=sh', version: 4 },
            { addr: '[2001:db8::1]', version: 6 },
          ],
        },
      };
      const got = extractAddresses(raw);
      assert.deepEqual(ips(got), ['10.0.0.4']);
      assert.deepEqual(extractAddresses({ addresses: [os('10.0.0.1', 4, 'fixed')] }), [], 'addresses as a list');
      assert.deepEqual(extractAddresses({ addresses: null }), []);
      assert.deepEqual(extractAddresses({ addresses: 'x' }), []);
    });

    it('a network name with newlines or Markdown is shown as plain one-line text', () => {
      const got = extractAddresses({ addresses: { 'net\n# **boom**\u202e': [os('10.0.0.1', 4, 'fixed')] } });
      const [address] = exactly(got, 1, 'address');
      assert.equal(address.network, 'net # **boom**');
      assert.equal(describeAddress(address), '10.0.0.1 (fixed IPv4, net # **boom**)');
    });

    it('a server listing thousands of addresses is cut at 64', () => {
      const list = Array.from({ length: 5000 }, (_v, i) => os(`10.${(i >> 8) & 255}.${i & 255}.1`, 4, 'fixed'));
      assert.equal(extractAddresses({ addresses: { big: list } }).length, 64);
    });

    it('parseIp canonicalises IPv6 and refuses brackets and zones', () => {
      assert.deepEqual(parseIp('2001:DB8:0000::1'), { ip: '2001:db8::1', version: 6 });
      assert.equal(parseIp('[::1]'), undefined);
      assert.equal(parseIp('fe80::1%25eth0'), undefined);
      assert.equal(parseIp('1.2.3.4', 6), undefined);
      const samples = [
        '::',
        '::1',
        '1::',
        '2001:db8:0:0:1:0:0:1',
        '1:0:0:2:0:0:0:3',
        '1:0:3:4:5:6:7:8',
        '0:0:0:0:0:0:0:1',
      ];
      for (const text of [...samples, '2001:0DB8:0000:0000:0000:0000:0000:0001', '::ffff:10.0.0.1']) {
        // The WHATWG URL parser writes IPv6 hosts in the RFC 5952 form: the same text expected.
        assert.equal(parseIp(text)?.ip, new URL(`http://[${text}]/`).hostname.slice(1, -1), text);
      }
    });
  });

  it('describes each rank for a pick', () => {
    const rank = (r: AddressRank, ip: string, version: 4 | 6): ServerAddress => ({
      ip,
      version,
      network: 'n',
      rank: r,
    });
    assert.equal(describeAddress(rank('floating', '192.0.2.1', 4)), '192.0.2.1 (floating IPv4, n)');
    assert.equal(describeAddress(rank('public-ipv4', '192.0.2.2', 4)), '192.0.2.2 (public IPv4, n)');
    assert.equal(describeAddress(rank('ipv6', '2001:db8::1', 6)), '2001:db8::1 (IPv6, n)');
    assert.equal(describeAddress(rank('fixed', 'fd00::1', 6)), 'fd00::1 (fixed IPv6, n)');
  });
});
