import type { Remedy } from '../check.js';

/**
 * Hardware virtualization is off (or absent): only the firmware setup can turn it on. `vendor` is the
 * cpuinfo vendor_id when known; `underXen` picks the command that confirms the fix after the reboot.
 */
export function enableVirtualizationFirmware(options: { vendor?: string; underXen: boolean }): Remedy {
  const setting =
    options.vendor === 'GenuineIntel'
      ? 'Intel Virtualization Technology (VT-x)'
      : options.vendor === 'AuthenticAMD'
        ? 'SVM Mode (AMD-V)'
        : 'Intel Virtualization Technology (VT-x) or SVM Mode (AMD-V)';
  return {
    id: 'enable-virtualization-firmware',
    title: `Enable ${setting} in the firmware (BIOS/UEFI) setup`,
    // Nothing to run before: the switch is in the firmware. These confirm it after the reboot.
    commands: options.underXen
      ? ["xl info | grep -E '^(virt_caps|xen_caps)'   # after the reboot: virt_caps lists hvm"]
      : ["grep -cwE 'vmx|svm' /proc/cpuinfo   # after the reboot: one line per CPU"],
    files: [],
    reboot: true,
    note:
      'Usually under "CPU Configuration" or "Advanced"; PV guests run without it, HVM and PVH guests need it. ' +
      'Inside a virtual machine the outer hypervisor must offer nested virtualization instead.',
  };
}
