// Types for assert-lib.mjs, which the real-Xen scripts run with plain node (test/cli.test.ts imports it).
export declare const CHECK_IDS: readonly string[];
export declare function assertions(): {
  check(label: string, description: string, fn: () => true | string | undefined): void;
  failed(): number;
};
export declare function collected(dir: string): {
  read(name: string): string | undefined;
  json(name: string): unknown;
};
export declare function byId(doc: unknown, id: string): unknown;
export declare function texts(check: unknown): string[];
