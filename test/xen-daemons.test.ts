import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../src/parsers/parse-error.js';
import { findXenDaemons, pidsFromProcListing } from '../src/parsers/processes.js';
import { parseUnitFiles } from '../src/parsers/systemctl.js';
import { xenDaemons } from '../src/probes/xen-daemons.js';
import { Context } from '../src/context.js';
import { createHost } from '../src/host/host.js';
import { bootRunlevels, initScriptNeeds } from '../src/parsers/openrc.js';
import { runProbe } from '../src/runner.js';
import { HOSTS, hostFile, reply, runOn } from './helpers.js';

const UNITS = 'systemctl list-unit-files --no-pager xen*';

describe('processes', () => {
  it('keeps only numeric /proc names, in numeric order', () => {
    expect(pidsFromProcListing(['self', '295', '1', 'sys', '29', 'xen', '12x'])).toEqual([1, 29, 295]);
  });
  it('finds oxenstored, xenstored and cxenstored as xenstored, and the lowest pid', () => {
    const found = findXenDaemons([
      { pid: 900, comm: 'xenconsoled' },
      { pid: 30, comm: 'xenwatch' },
      { pid: 280, comm: 'oxenstored\n' },
      { pid: 295, comm: 'xenconsoled' },
    ]);
    expect(found).toEqual({
      xenstored: { pid: 280, comm: 'oxenstored\n' },
      xenconsoled: { pid: 295, comm: 'xenconsoled' },
    });
    expect(findXenDaemons([{ pid: 7, comm: 'cxenstored' }]).xenstored?.pid).toBe(7);
    expect(findXenDaemons([{ pid: 7, comm: 'xenbus' }])).toEqual({
      xenstored: undefined,
      xenconsoled: undefined,
    });
  });
});

describe('parseUnitFiles', () => {
  it('reads the real Debian list: two units generated from /etc/init.d', () => {
    expect(parseUnitFiles(reply('dom0-credit2', UNITS))).toEqual([
      { unit: 'xen.service', state: 'generated', preset: '-' },
      { unit: 'xendomains.service', state: 'generated', preset: '-' },
    ]);
  });
  it('reads systemd before 245 (no PRESET column) and an empty match', () => {
    const old =
      'UNIT FILE           STATE\nxenstored.service   enabled\nxenconsoled.service disabled\n\n2 unit files listed.\n';
    expect(parseUnitFiles(old)).toEqual([
      { unit: 'xenstored.service', state: 'enabled' },
      { unit: 'xenconsoled.service', state: 'disabled' },
    ]);
    expect(parseUnitFiles('0 unit files listed.\n')).toEqual([]);
  });
  it('reads systemd 245-251 ("VENDOR PRESET", Debian 11 and Ubuntu 22.04), verbatim shapes', () => {
    // Rows as systemd 247 prints them: the STATE column is padded to the widest state plus one.
    const v247 =
      'UNIT FILE                     STATE           VENDOR PRESET\n' +
      'xen-init-dom0.service         enabled         enabled\n' +
      'xenconsoled.service           disabled        enabled\n' +
      'xendomains.service            masked          enabled\n' +
      'xenstored.service             static          -\n' +
      '\n' +
      '4 unit files listed.\n';
    expect(parseUnitFiles(v247)).toEqual([
      { unit: 'xen-init-dom0.service', state: 'enabled', preset: 'enabled' },
      { unit: 'xenconsoled.service', state: 'disabled', preset: 'enabled' },
      { unit: 'xendomains.service', state: 'masked', preset: 'enabled' },
      { unit: 'xenstored.service', state: 'static', preset: '-' },
    ]);
    expect(parseUnitFiles(reply('debian11-systemd247', UNITS))).toEqual([
      { unit: 'xen.service', state: 'generated', preset: '-' },
      { unit: 'xendomains.service', state: 'generated', preset: '-' },
    ]);
  });
  it('rejects a header it does not know, quoting it', () => {
    const future =
      'UNIT FILE          STATE     PRESET    WHATEVER\nxen.service generated - x\n\n1 unit files listed.\n';
    expect(() => parseUnitFiles(future)).toThrow(/UNIT FILE\s+STATE\s+PRESET\s+WHATEVER/);
  });
  it('throws ParseError on empty, truncated and garbage input', () => {
    const real = reply('dom0-credit2', UNITS);
    expect(() => parseUnitFiles('')).toThrow(ParseError);
    expect(() => parseUnitFiles(real.slice(0, real.indexOf('xendomains')))).toThrow(ParseError);
    // A row lost in the middle: the footer's count no longer matches.
    expect(() => parseUnitFiles(real.replace(/^xen\.service.*\n/m, ''))).toThrow(ParseError);
    expect(() => parseUnitFiles('garbage\n1 unit files listed.')).toThrow(ParseError);
  });
});

describe('xen-daemons', () => {
  it.each(['dom0-credit2', 'dom0-credit-gnttab256', 'dom0-domu-credit2', 'dom0-domu-credit-gnttab256'])(
    'is ok on the real dom0 %s: oxenstored and xenconsoled run',
    async (host) => {
      const result = await runOn(host, xenDaemons);
      expect(result.status).toBe('ok');
      expect(result.summary).toMatch(/^oxenstored and xenconsoled running; /);
      // Debian's generated units: without /etc/rc?.d in the fixture, enablement is unknown, never "ok".
      expect(result.summary).toContain('cannot be told');
      expect(result.metrics.map((m) => [m.labels.daemon, m.value])).toEqual([
        ['xenstored', 1],
        ['xenconsoled', 1],
      ]);
    },
  );
  it('the real xenconsoled-stopped capture has no xenconsoled in proc/', () => {
    expect(hostFile('xenconsoled-stopped', 'proc/280/comm').trim()).toBe('oxenstored');
    expect(() => hostFile('xenconsoled-stopped', 'proc/295/comm')).toThrow();
  });
  it('fails on the real xenconsoled-stopped host and restarts Debian\u2019s xen.service', async () => {
    const result = await runOn('xenconsoled-stopped', xenDaemons);
    expect(result.status).toBe('fail');
    expect(result.findings.map((f) => f.code)).toEqual(['xenconsoled-not-running']);
    expect(result.evidence).toContain('/proc/280/comm: oxenstored');
    expect(result.metrics.find((m) => m.labels.daemon === 'xenconsoled')?.value).toBe(0);
    expect(result.remedies).toHaveLength(1);
    expect(result.remedies[0]).toMatchObject({
      id: 'start-xen-daemons',
      commands: ['systemctl restart xen.service'],
      actions: [{ argv: ['systemctl', 'restart', 'xen.service'] }],
      reboot: false,
    });
  });
  it('reads enablement on Debian 11 (systemd 247 header) from the rc start links: ok, and says so', async () => {
    const result = await runOn('debian11-systemd247', xenDaemons);
    expect(result.status).toBe('ok');
    expect(result.summary).toBe('oxenstored and xenconsoled running; 2 Xen services enabled');
    expect(result.evidence).toContain(
      'xen.service: generated from /etc/init.d/xen, start link in /etc/rc?.d',
    );
  });
  it('is error, never ok, when systemctl prints a list it cannot read', async () => {
    const result = await runOn('made-up-systemctl-unknown-header', xenDaemons);
    expect(result.status).toBe('error');
    expect(result.summary).toMatch(
      /^oxenstored and xenconsoled running; cannot tell which Xen services start at boot: could not parse/,
    );
    expect(result.evidence.join('\n')).toContain('UNIT FILE          STATE     ENABLEMENT');
  });
  it('source-built Xen with upstream units: a disabled xenconsoled.service is enabled, xencommons not judged', async () => {
    const result = await runOn('ubuntu2204-xen-source', xenDaemons);
    expect(result.status).toBe('warn');
    expect(result.findings).toEqual([
      {
        code: 'xen-service-disabled',
        severity: 'warn',
        message: 'xenconsoled.service will not start at boot: disabled',
      },
    ]);
    expect(result.remedies.map((r) => [r.id, r.commands])).toEqual([
      ['enable-xen-services', ['systemctl enable --now xenconsoled.service']],
    ]);
    expect(result.evidence).toContain(
      'xencommons.service: generated from /etc/init.d/xencommons, not judged: xenstored.service and xenconsoled.service start the daemons',
    );
    expect(result.evidence).toContain('xen-init-dom0.service: enabled');
  });
  it('warns on an OpenRC host where xenconsoled runs but is in no runlevel', async () => {
    const result = await runOn('made-up-openrc-xenconsoled-disabled', xenDaemons);
    expect(result.status).toBe('warn');
    // xen-watchdog is in no runlevel either, but it is opt-in: evidence, not a finding.
    expect(result.findings).toEqual([
      {
        code: 'xen-service-disabled',
        severity: 'warn',
        message: expect.stringMatching(/^xenconsoled \(openrc\) will not start at boot/),
      },
    ]);
    expect(result.evidence).toContain('/proc/1893/comm: xenstored');
    expect(result.evidence).toContain(
      'xen-watchdog (openrc): in none of the runlevels this boot enters (default)',
    );
    expect(result.remedies.map((r) => [r.id, r.commands])).toEqual([
      ['enable-xen-services', ['rc-update add xenconsoled default']],
    ]);
  });

  it('is ok on Gentoo booted into softlevel=xen: stacked runlevels and `need` count as starting at boot', async () => {
    const result = await runOn('gentoo-openrc-softlevel', xenDaemons);
    expect(result.status).toBe('ok');
    expect(result.findings).toEqual([]);
    expect(result.evidence).toEqual(
      expect.arrayContaining([
        'OpenRC boots into: sysinit, boot, xen (softlevel=xen on the kernel command line)',
        'xenconsoled (openrc): in the xen runlevel',
        'xendomains (openrc): in the xen runlevel',
        'xenstored (openrc): needed by xenconsoled',
        'xencommons (openrc): needed by xenstored',
      ]),
    );
  });
  it('advises adding a missing service to the custom runlevel the host boots into, never to default', async () => {
    const root = copyHost('gentoo-openrc-softlevel');
    rmSync(path.join(root, 'etc/runlevels/xen/xenconsoled'));
    const result = await runProbe(
      new Context(createHost({ root, path: [path.join(root, 'commands')] })),
      xenDaemons,
    );
    expect(result.status).toBe('warn');
    expect(result.findings.map((f) => f.message)).toEqual([
      'xenconsoled (openrc) will not start at boot: in none of the runlevels this boot enters (sysinit, boot, xen, default); started now by hand (/run/openrc/started)',
    ]);
    expect(result.remedies.map((r) => r.commands)).toEqual([['rc-update add xenconsoled xen']]);
  });
  it("Debian under OpenRC: xen in no runlevel is started by xendomains' LSB Required-Start, not a finding", async () => {
    // Gentoo's host turned into a Debian one: Debian's two LSB scripts, xendomains alone in default.
    const root = copyHost('gentoo-openrc-softlevel');
    for (const name of ['xencommons', 'xenstored', 'xenconsoled', 'xendomains', 'xen-watchdog']) {
      rmSync(path.join(root, 'etc/init.d', name));
    }
    rmSync(path.join(root, 'etc/runlevels/xen'), { recursive: true });
    writeFileSync(path.join(root, 'etc/init.d/xen'), DEBIAN_XEN);
    writeFileSync(path.join(root, 'etc/init.d/xendomains'), DEBIAN_XENDOMAINS);
    symlinkSync('/etc/init.d/xendomains', path.join(root, 'etc/runlevels/default/xendomains'));
    writeFileSync(path.join(root, 'proc/cmdline'), 'root=/dev/vda rw console=hvc0\n');
    const result = await runProbe(
      new Context(createHost({ root, path: [path.join(root, 'commands')] })),
      xenDaemons,
    );
    expect(result.evidence).toEqual(
      expect.arrayContaining([
        'xen (openrc): needed by xendomains',
        'xendomains (openrc): in the default runlevel',
      ]),
    );
    expect(result.status).toBe('ok');
  });
  it('follows a runlevel stacked as a real directory, and ignores a softlevel= that is no runlevel name', async () => {
    const root = copyHost('gentoo-openrc-softlevel');
    rmSync(path.join(root, 'etc/runlevels/xen/default'));
    mkdirSync(path.join(root, 'etc/runlevels/xen/default'));
    const withStack = await runProbe(
      new Context(createHost({ root, path: [path.join(root, 'commands')] })),
      xenDaemons,
    );
    expect(withStack.evidence).toContain('runlevels entered with their stacks: sysinit, boot, xen, default');
    writeFileSync(path.join(root, 'proc/cmdline'), 'root=/dev/vda softlevel=$(reboot)\n');
    const odd = await runProbe(
      new Context(createHost({ root, path: [path.join(root, 'commands')] })),
      xenDaemons,
    );
    expect(odd.evidence).toContain("OpenRC boots into: sysinit, boot, default (OpenRC's default)");
    expect(odd.status).toBe('warn');
    // Booted into default, nothing needs xenstored and xencommons either.
    expect(odd.remedies.flatMap((r) => r.commands)).toEqual([
      'rc-update add xencommons default',
      'rc-update add xenstored default',
      'rc-update add xenconsoled default',
      'rc-update add xendomains default',
    ]);
  });
});

describe('openrc parsers', () => {
  it('reads softlevel= and bootlevel= from the kernel command line', () => {
    expect(bootRunlevels('root=/dev/vda rw console=hvc0')).toEqual({
      bootlevel: 'boot',
      softlevel: 'default',
      source: "OpenRC's default",
    });
    expect(bootRunlevels(hostFile('gentoo-openrc-softlevel', 'proc/cmdline'))).toMatchObject({
      softlevel: 'xen',
      source: 'softlevel=xen on the kernel command line',
    });
    expect(bootRunlevels('bootlevel=early softlevel=x;y').softlevel).toBe('default');
    expect(bootRunlevels('bootlevel=early').bootlevel).toBe('early');
  });
  it('reads `need` from depend() only, not after/use/before or other functions', () => {
    expect(initScriptNeeds(hostFile('gentoo-openrc-softlevel', 'etc/init.d/xendomains'))).toEqual([
      'xenstored',
    ]);
    expect(initScriptNeeds(hostFile('gentoo-openrc-softlevel', 'etc/init.d/xenstored'))).toEqual([
      'xencommons',
    ]);
    expect(initScriptNeeds('start() {\n\tneed xenstored\n}\n')).toEqual([]);
    expect(initScriptNeeds('depend()\n{\n\tneed net xenstored # comment\n}\nstop() { need x; }')).toEqual([
      'net',
      'xenstored',
    ]);
    expect(initScriptNeeds('')).toEqual([]);
  });
  it("reads an LSB header's Required-Start as Debian's OpenRC does (names, not $facilities)", () => {
    expect(initScriptNeeds(DEBIAN_XENDOMAINS)).toEqual(['xen']);
    expect(initScriptNeeds(DEBIAN_XEN)).toEqual([]);
    // A depend() wins over a header (an openrc-run script with a leftover LSB block).
    expect(initScriptNeeds(`${DEBIAN_XENDOMAINS}depend() {\n\tneed xenstored\n}\n`)).toEqual(['xenstored']);
  });
});

// The LSB headers of Debian 12's /etc/init.d/xendomains and /etc/init.d/xen, verbatim from the package
// xen-utils-common 4.17.7+13-g2445b30a44-0+deb12u1 (the rest of the scripts is left out). The lab's Debian 12
// + OpenRC 0.45 deptree (shared/lab-captures/f-openrc-dom0/deptree-xen.txt) shows `xendomains ineed xen`.
const DEBIAN_XENDOMAINS = `#!/bin/bash
### BEGIN INIT INFO
# Provides:          xendomains
# Required-Start:    $syslog $network $remote_fs xen
# Required-Stop:     $syslog $network $remote_fs xen
# Should-Start:      drbd iscsi openvswitch-switch nfs-kernel-server
# Should-Stop:       drbd iscsi openvswitch-switch nfs-kernel-server
# X-Start-Before:    corosync heartbeat libvirtd
# X-Stop-After:      corosync heartbeat libvirtd
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: Start/stop secondary xen domains
# Description:       Start / stop domains automatically when domain 0 
#                    boots / shuts down.
### END INIT INFO
`;
const DEBIAN_XEN = `#!/bin/sh
### BEGIN INIT INFO
# Provides:          xen
# Required-Start:    $syslog $remote_fs
# Required-Stop:     $syslog $remote_fs
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: Xen daemons
# Description:       Xen daemons
### END INIT INFO
`;

/** A scratch copy of a fixture host (links kept as links) that a test may change. */
function copyHost(name: string): string {
  const root = mkdtempSync(path.join(tmpdir(), `xd-${name}-`));
  cpSync(path.join(HOSTS, name), root, { recursive: true, verbatimSymlinks: true });
  return root;
}
