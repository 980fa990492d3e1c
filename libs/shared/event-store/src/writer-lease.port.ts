/**
 * A named lease in the store, for work that must have one writer across every replica (the audit chain). The
 * store's own clock decides expiry, so replicas' clocks never have to agree.
 */
export type LeaseGrant = {
  /** Rises by one each time the lease changes hands (or lapses and is taken again): the writer's epoch. */
  token: number;
  /** How long the grant lasts from the moment it was asked for. */
  ttlMs: number;
};

export interface WriterLeases {
  /**
   * Takes the lease when it is free or expired, or renews it when `holder` holds it; null while another
   * holder's grant runs. One atomic statement: two callers never both get it.
   */
  acquire(name: string, holder: string, ttlMs: number): Promise<LeaseGrant | null>;
  /** Lets the lease lapse now, when `holder` still holds it at `token`, so a standby takes over at once. */
  release(name: string, holder: string, token: number): Promise<void>;
}

/** Whether a store keeps leases: PostgreSQL does; a single-process store needs none. */
export const isWriterLeases = (store: object): store is WriterLeases =>
  typeof (store as Partial<WriterLeases>).acquire === 'function' && typeof (store as Partial<WriterLeases>).release === 'function';

/** One process is the only writer there is: the lease is always its own (the embedded mode's SQLite store). */
export const singleProcessLeases: WriterLeases = {
  acquire: (_name, _holder, ttlMs) => Promise.resolve({ token: 1, ttlMs }),
  release: () => Promise.resolve(),
};

/** The append was made under a lease its holder no longer holds at that token: a deposed writer's late write. */
export class LeaseLost extends Error {
  constructor(
    readonly lease: string,
    readonly token: number,
  ) {
    super(`lease ${lease} is no longer held at token ${token}`);
    this.name = 'LeaseLost';
  }
}
