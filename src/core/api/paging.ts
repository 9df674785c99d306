/**
 * A guard for marker-paged lists (GET /os-keypairs, GET /servers/detail): follows `next`
 * markers, and stops a server that ignores the marker or never ends. No `vscode` import.
 */
import { ApiError } from './errors';

export interface PageLimits {
  /** Most pages read for one list. Default 100. */
  maxPages?: number;
  /** Most items accepted in one list. Default 20 000. */
  maxItems?: number;
}

export const DEFAULT_PAGE_LIMITS: Required<PageLimits> = { maxPages: 100, maxItems: 20_000 };

/** One page as the caller's client read it; `next` is the marker of the next page (undefined: last page). */
export interface Page<T> {
  items: T[];
  next?: string;
}

/** Why a paged list was given up. */
export type PagingProblem = 'page-repeated' | 'marker-stuck' | 'too-many-pages' | 'too-many-items';

/**
 * A paged list the server does not end properly: an ApiError of kind 'bad-response' whose
 * `code` is the problem (errorText words it). `pages` were read; `items` were kept, or for
 * 'too-many-items' the limit that was passed.
 */
export class PagingError extends ApiError {
  constructor(
    readonly problem: PagingProblem,
    request: { method: string; url: string },
    readonly pages: number,
    readonly items: number,
  ) {
    super({ kind: 'bad-response', method: request.method, url: request.url, code: problem });
    this.name = 'PagingError';
  }
}

export interface CollectPagesOptions<T> {
  /** Reads the page after `marker` (undefined: the first page). */
  fetchPage: (marker: string | undefined) => Promise<Page<T>>;
  /** The item's identity (a key pair's name, a server's id): an item seen twice means a repeated page. */
  keyOf: (item: T) => string;
  /** Names the list in an error: method and (redacted) URL of its first page. */
  request: { method: string; url: string };
  limits?: PageLimits;
}

/**
 * Every item of a marker-paged list. Throws PagingError when a page brings nothing new (the
 * server ignored the marker), when the next marker is the one just used, or when the list
 * exceeds `limits`; items seen twice are kept once.
 */
export async function collectPages<T>(options: CollectPagesOptions<T>): Promise<T[]> {
  const maxPages = options.limits?.maxPages ?? DEFAULT_PAGE_LIMITS.maxPages;
  const maxItems = options.limits?.maxItems ?? DEFAULT_PAGE_LIMITS.maxItems;
  const fail = (problem: PagingProblem, pages: number, items: number) =>
    new PagingError(problem, options.request, pages, items);
  const seen = new Set<string>();
  const all: T[] = [];
  let marker: string | undefined;
  for (let pages = 1; ; pages++) {
    const page = await options.fetchPage(marker);
    const fresh = page.items.filter((item) => {
      const key = options.keyOf(item);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    if (page.items.length > 0 && fresh.length === 0) throw fail('page-repeated', pages, all.length);
    all.push(...fresh);
    if (all.length > maxItems) throw fail('too-many-items', pages, maxItems);
    if (page.next === undefined) return all;
    if (page.next === marker) throw fail('marker-stuck', pages, all.length);
    if (pages >= maxPages) throw fail('too-many-pages', pages, all.length);
    marker = page.next;
  }
}
