// The paging guard on its own, as a future `listServers` (GET /servers/detail, marker = the
// last server's id, `servers_links`) would use it: pages in memory, no HTTP.
import * as assert from 'node:assert/strict';
import { collectPages, Page, PagingError } from '../../../../src/core/api/paging';
import { describeError } from '../../../../src/core/wording/errorText';
import { rejection } from '../../helpers/env';

interface Server {
  id: string;
  name: string;
}

const servers = (ids: string[]): Server[] => ids.map((id) => ({ id, name: `srv-${id}` }));
const request = { method: 'GET', url: 'https://nova.example/v2.1/servers/detail' };

/** Serves `pages` in order by marker, as `servers_links` would point at them; records the markers asked. */
function pagesOf(pages: Server[][]) {
  const asked: Array<string | undefined> = [];
  const fetchPage = async (marker: string | undefined): Promise<Page<Server>> => {
    asked.push(marker);
    const index = marker === undefined ? 0 : pages.findIndex((p) => p.at(-1)?.id === marker) + 1;
    const items = pages[index] ?? [];
    return { items, next: index < pages.length - 1 ? items.at(-1)?.id : undefined };
  };
  return { asked, fetchPage };
}

describe('collectPages (the paging guard)', () => {
  it('follows markers to the last page', async () => {
    const src = pagesOf([servers(['1', '2']), servers(['3', '4']), servers(['5'])]);
    const all = await collectPages({ fetchPage: src.fetchPage, keyOf: (s) => s.id, request });
    assert.deepEqual(
      all.map((s) => s.id),
      ['1', '2', '3', '4', '5'],
    );
    assert.deepEqual(src.asked, [undefined, '2', '4']);
  });

  it('keeps an item seen twice once (a page overlapping the one before)', async () => {
    const overlap = [servers(['1', '2']), servers(['2', '3'])];
    const src = pagesOf(overlap);
    const all = await collectPages({ fetchPage: src.fetchPage, keyOf: (s) => s.id, request });
    assert.deepEqual(
      all.map((s) => s.id),
      ['1', '2', '3'],
    );
  });

  it('an empty first page is an empty list, not a repeat', async () => {
    const all = await collectPages({ fetchPage: async () => ({ items: [] as Server[] }), keyOf: (s) => s.id, request });
    assert.deepEqual(all, []);
  });

  it('gives up with a PagingError naming the problem, the pages and the list', async () => {
    let calls = 0;
    const endless = async (): Promise<Page<Server>> => {
      calls++;
      return { items: servers([`a${calls}`]), next: `a${calls}` };
    };
    const limits = { maxPages: 7 };
    const err = await rejection(collectPages({ fetchPage: endless, keyOf: (s) => s.id, request, limits }), PagingError);
    assert.equal(calls, 7);
    assert.equal(err.problem, 'too-many-pages');
    assert.equal(err.kind, 'bad-response');
    assert.equal(err.message, 'GET https://nova.example/v2.1/servers/detail: bad-response (too-many-pages)');
    assert.equal(
      describeError(err).message,
      'nova.example sent an answer that is not what the Compute API sends (the list did not end after 7 pages). ' +
        'Is "keypairs.endpoint" right?',
    );
  });
});
