/**
 * Wraps a pure parser so that the same text twice in a row is parsed once: the daemon reads some large
 * files every cycle that change only across a reboot (the kernel config, ~260 KB), and parsing them again
 * was a tenth of what a cycle allocates (docs/performance.md). The result is shared: callers must not
 * change it. A parse that throws is not remembered.
 */
export function lastParse<T>(parse: (text: string) => T): (text: string) => T {
  let last: { text: string; value: T } | undefined;
  return (text) => {
    if (last?.text === text) return last.value;
    const value = parse(text);
    last = { text, value };
    return value;
  };
}
