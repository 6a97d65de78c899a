// The replayer a capture carries with it (a bug report must replay without the xendoctor repository).
// Same contract as test/fixtures/replay.sh, plus two things a capture can hold: `.signal` (the command was
// killed by a signal) and reply names with "/" or "%" in the argv, which are %-encoded in file names.

/** The reply file name (without extension) for an argv: words joined by spaces, "%" and "/" %-encoded. */
export function replyKey(argv: readonly string[]): string {
  return argv.join(' ').replace(/%/g, '%25').replace(/\//g, '%2F').replace(/\n/g, '%0A');
}

export const REPLAY_SCRIPT = `#!/bin/sh
# Replays what a command printed on the captured host (written by \`xendoctor capture\`).
# Every fake command in commands/ is a link to this script: \`xl info\` prints commands/replies/"xl info.stdout",
# writes "xl info.stderr" to stderr, sleeps "xl info.sleep" seconds if present (a command that hung), dies
# of the signal in "xl info.signal" or exits with "xl info.rc" (default 0). "%" and "/" in the arguments are
# written %25 and %2F in reply file names. An invocation that was never captured exits 99 and says so.
# Replay a capture with: xendoctor --replay DIR
PATH=/usr/bin:/bin
dir=\${0%/*}/replies
key=\${0##*/}
for arg in "$@"; do key="$key $arg"; done
case $key in
  *[%/]*) key=$(printf '%s' "$key" | sed -e 's/%/%25/g' -e 's,/,%2F,g') ;;
esac
if [ ! -f "$dir/$key.stdout" ]; then
  echo "replay: no capture for: $key" >&2
  exit 99
fi
[ -f "$dir/$key.sleep" ] && sleep "$(cat "$dir/$key.sleep")"
cat "$dir/$key.stdout"
[ -f "$dir/$key.stderr" ] && cat "$dir/$key.stderr" >&2
[ -f "$dir/$key.signal" ] && kill -s "$(cat "$dir/$key.signal")" $$
[ -f "$dir/$key.rc" ] && exit "$(cat "$dir/$key.rc")"
exit 0
`;
