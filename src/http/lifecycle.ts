/**
 * What a shutdown needs from the HTTP layer: /readyz turning unready while the process still serves,
 * and a way to end the streams still open when the grace period is over. One per app, no globals.
 */
export class Lifecycle {
  /** Set by SIGTERM handling: /readyz answers 503 so the load balancer stops sending traffic. */
  draining = false;
  private readonly streams = new Set<() => void>();

  /** Registers an open stream's stop function; returns the function that unregisters it. */
  track(stop: () => void): () => void {
    this.streams.add(stop);
    return () => this.streams.delete(stop);
  }

  /** Ends every open stream with an error event; returns how many there were. */
  endStreams(): number {
    const open = [...this.streams];
    this.streams.clear();
    for (const stop of open) stop();
    return open.length;
  }
}
