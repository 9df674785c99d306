import * as assert from 'node:assert/strict';
import { configBlocks } from '../../../../../src/core/ssh/config/parse';

describe('ssh/config/parse configBlocks', () => {
  it('gives Host patterns, Match host lists (both spellings) and option lines', () => {
    const blocks = configBlocks(
      [
        'IdentityFile ~/.ssh/id_ed25519',
        'Host web db-*  !db-test',
        '  HostName 10.0.0.5',
        'Match Host=web2,web3 user bob',
        '  Port 2222',
        'Match originalhost db1 exec "true"',
        '  User deploy',
      ].join('\n'),
    );
    assert.deepEqual(
      blocks.map((b) => [b.kind, b.line, b.patterns]),
      [
        ['preamble', 1, []],
        ['host', 2, ['web', 'db-*', '!db-test']],
        ['match', 4, ['web2', 'web3']],
        ['match', 6, ['db1']],
      ],
    );
    assert.deepEqual(blocks[0]?.options, [{ keyword: 'identityfile', args: ['~/.ssh/id_ed25519'], line: 1 }]);
    assert.deepEqual(blocks[1]?.options, [{ keyword: 'hostname', args: ['10.0.0.5'], line: 3 }]);
  });
});
