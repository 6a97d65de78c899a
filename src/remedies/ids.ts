// Every remedy id, for `fix --only` (an unknown id is a usage error, as for `--check`) and shell completion.
// test/cli-flags.test.ts fails when a remedy file's id is missing here.
export const REMEDY_IDS = [
  'autoballoon-off',
  'boot-xen-entry',
  'dom0-mem',
  'enable-virtualization-firmware',
  'enable-xen-services',
  'ethtool-offload-off',
  'gnttab-max-frames',
  'install-xen',
  'kernel-config-options',
  'mount-xenfs',
  'recover-crashed-domain',
  'release-dying-domain',
  'sched-credit',
  'send-redirects-off',
  'start-xen-daemons',
  'unpause-domain',
] as const;
