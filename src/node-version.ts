// The Node.js version check that runs before anything else is loaded (src/cli.ts). Written in syntax that
// Node.js 12 still parses (no `?.`, `??`, top-level await), so an old Node prints this line instead of a
// SyntaxError from deep inside the bundle.

/** The lowest Node.js major version xendoctor runs on (package.json "engines"). */
export const NODE_MAJOR_NEEDED = 20;

/** Exit code when Node.js is too old: distinct from the report's 0-3, usage 64, listen 69, config 78. */
export const EXIT_NODE_TOO_OLD = 72;

/**
 * The one-line complaint for a Node.js version below NODE_MAJOR_NEEDED ("18.19.0" as in
 * process.versions.node), or undefined when the version will do. Debian 12 ships Node.js 18 and its
 * backports have none, so the line says where a dom0 gets 20 (docs/install.md, "Node.js 20 on Debian 12").
 */
export function nodeVersionProblem(version: string): string | undefined {
  const match = /^v?(\d+)\./.exec(version);
  const major = match ? Number(match[1]) : NaN;
  if (Number.isInteger(major) && major >= NODE_MAJOR_NEEDED) return undefined;
  return (
    `xendoctor needs Node.js ${NODE_MAJOR_NEEDED} or newer, this is Node.js ${version}: ` +
    'Debian 12 ships 18 (and no newer one in bookworm-backports), so install nodejs 20 from ' +
    'NodeSource (https://deb.nodesource.com, node_20.x) or upgrade to Debian 13, whose nodejs is 20'
  );
}
