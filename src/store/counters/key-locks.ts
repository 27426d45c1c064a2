/** What a per-budget lock needs of the state it guards. */
export interface Lockable {
  key: string;
  /** Settles when the last queued holder has released. */
  tail: Promise<void>;
  /** Holders waiting or running: counted before any await, so nobody drops a state about to be used. */
  busy: number;
}

/**
 * Run `fn` holding the lock of every state, taken in key order so that two holders of overlapping
 * sets never wait on each other. In process only: it orders this instance's steps on a budget.
 */
export async function withKeyLocks<T>(states: Lockable[], fn: () => Promise<T>): Promise<T> {
  const sorted = [...states].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const st of sorted) st.busy++;
  const releases: Array<() => void> = [];
  try {
    for (const st of sorted) {
      let release!: () => void;
      const mine = new Promise<void>((r) => {
        release = r;
      });
      const prev = st.tail;
      st.tail = prev.then(() => mine);
      releases.push(release);
      await prev;
    }
    return await fn();
  } finally {
    for (const st of sorted) st.busy--;
    for (const r of releases) r();
  }
}
