/**
 * The key pairs of the Key Pairs view, loaded a page at a time: the first page when the
 * view first asks, the next one only when the user asks for more ("Load more…"). Where
 * the API has no pagination (before microversion 2.35, Rackspace) the first page is the
 * whole list. No `vscode` import: unit-tested against the emulator in plain Node.
 */
import type { KeyPair, KeyPairPage } from './compute';

/** Page size asked for where the API paginates: small enough to answer fast, big enough to scroll. */
export const VIEW_PAGE_SIZE = 200;

/** What the pager needs of the Compute client (ComputeClient fits). */
export interface KeyPairLister {
  listPage(options: { limit?: number; marker?: string; signal?: AbortSignal }): Promise<KeyPairPage>;
}

export type PagesState = 'idle' | 'loading' | 'loaded' | 'error';

/**
 * One listing of one account, from its first page on. Concurrent calls share the request
 * in flight; `dispose()` abandons it (its answer is then ignored). A new listing (refresh)
 * is a new instance.
 */
export class KeyPairPages {
  private readonly items: KeyPair[] = [];
  private readonly names = new Set<string>();
  private next?: string;
  private started = false;
  private inFlight?: Promise<void>;
  private failure?: unknown;
  private readonly abort = new AbortController();
  /** Requests sent so far (for logs and tests). */
  requests = 0;

  constructor(
    private readonly lister: KeyPairLister,
    private readonly pageSize = VIEW_PAGE_SIZE,
  ) {}

  /** The key pairs loaded so far, in the server's order (by name), without duplicates. */
  get keyPairs(): readonly KeyPair[] {
    return this.items;
  }

  /** True when the server has more after what is loaded. */
  get hasMore(): boolean {
    return this.next !== undefined;
  }

  get state(): PagesState {
    if (this.inFlight) return 'loading';
    if (this.failure !== undefined) return 'error';
    return this.started ? 'loaded' : 'idle';
  }

  /** The error of the last page load, if it failed. */
  get error(): unknown {
    return this.failure;
  }

  get disposed(): boolean {
    return this.abort.signal.aborted;
  }

  /**
   * Loads the first page, once: later calls resolve at once (or share the load in flight).
   * Rejects with the load's error; a failed first page is retried only by a new instance.
   */
  first(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    if (this.started) return this.failure !== undefined ? Promise.reject(this.failure) : Promise.resolve();
    this.started = true;
    return this.load(undefined);
  }

  /** Loads the next page (nothing when there is none); a failed page can be asked for again. */
  more(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    if (!this.started) return this.first();
    if (this.failure !== undefined && this.items.length === 0) return Promise.reject(this.failure);
    if (this.next === undefined) return Promise.resolve();
    return this.load(this.next);
  }

  /** Loads pages until none is left or `max` key pairs are loaded. */
  async moreUntil(max: number): Promise<void> {
    await this.first();
    while (this.hasMore && this.items.length < max && !this.disposed) await this.more();
  }

  /** Abandons the listing: a load in flight is aborted and its answer ignored. */
  dispose(): void {
    this.abort.abort();
  }

  private load(marker: string | undefined): Promise<void> {
    this.requests++;
    const run = async () => {
      try {
        const page = await this.lister.listPage({ limit: this.pageSize, marker, signal: this.abort.signal });
        if (this.disposed) return;
        for (const kp of page.keyPairs) {
          if (this.names.has(kp.name)) continue;
          this.names.add(kp.name);
          this.items.push(kp);
        }
        // A "next" marker that does not move on would loop: treat it as the end.
        this.next = page.next !== undefined && page.next !== marker ? page.next : undefined;
        this.failure = undefined;
      } catch (err) {
        if (!this.disposed) this.failure = err;
        throw err;
      } finally {
        this.inFlight = undefined;
      }
    };
    this.inFlight = run();
    return this.inFlight;
  }
}
