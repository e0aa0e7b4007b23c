/**
 * A Map that keeps at most `capacity` entries, dropping the least recently used: for caches of values that
 * are costly to compute and never change for their key (parsed certificates, imported keys, prepared SQL
 * statements). The one LRU of the code base: caches elsewhere use it rather than evicting by hand.
 */
export class BoundedCache<K, V> {
  private readonly entries = new Map<K, V>();
  private weight = 0;

  /**
   * `weights`, when given, also bound what the kept values weigh together (each value's weight, `of`, never
   * changes): for values whose size an adversary chooses, where a count alone bounds nothing.
   */
  constructor(
    private readonly capacity: number,
    private readonly weights?: { of(value: V): number; max: number },
  ) {}

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      // Re-inserted, so it becomes the most recently used (a Map iterates in insertion order).
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.delete(key);
    const weight = this.weights?.of(value) ?? 0;
    // Heavier than the whole budget: not kept, rather than pushing everything else out.
    if (this.weights && weight > this.weights.max) return;
    while (
      this.entries.size >= this.capacity ||
      (this.weights && this.entries.size > 0 && this.weight + weight > this.weights.max)
    ) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.delete(oldest.value);
    }
    this.entries.set(key, value);
    this.weight += weight;
  }

  delete(key: K): void {
    if (!this.entries.has(key)) return;
    const value = this.entries.get(key) as V;
    this.entries.delete(key);
    this.weight -= this.weights?.of(value) ?? 0;
  }

  clear(): void {
    this.entries.clear();
    this.weight = 0;
  }

  get size(): number {
    return this.entries.size;
  }
}
