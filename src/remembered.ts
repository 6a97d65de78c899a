/**
 * Remembers a pure function of a string: the daemon meets the same text again and again (a scraper's
 * Accept header, the kernel config read every cycle), and working it out again cost measurable CPU and
 * allocation (docs/performance.md). At most `limit` values are kept (then all are forgotten), so new text
 * each time cannot grow it. A throw is not remembered; a value is shared, so callers must not change it.
 */
export function remembered<T>(compute: (key: string) => T, limit: number): (key: string) => T {
  const seen = new Map<string, T>();
  return (key) => {
    let value = seen.get(key);
    if (value === undefined) {
      value = compute(key); // a throw leaves what was remembered as it was
      if (seen.size >= limit) seen.clear();
      seen.set(key, value);
    }
    return value;
  };
}
