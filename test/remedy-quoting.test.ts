// Issue 12, item 1: names from the host (a bridge port named `d;id>pwned`) never run as shell code, in a
// written boot script, a udev rule, a sysctl.d file or a printed command.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHost } from '../src/host/host.js';
import { bridgeOffload } from '../src/probes/bridge-offload.js';
import {
  LOCAL_D_SCRIPT,
  OFFLOADS,
  ethtoolOffloadOff,
  UDEV_RULE,
} from '../src/remedies/ethtool-offload-off.js';
import {
  interfaceName,
  shellJoin,
  shellQuote,
  sysctlKeyPart,
  udevMatchValue,
  UnsafeHostValue,
} from '../src/remedies/quote.js';
import { recoverCrashedDomain } from '../src/remedies/recover-crashed-domain.js';
import { sendRedirectsOff } from '../src/remedies/send-redirects-off.js';
import { unpauseDomain } from '../src/remedies/unpause-domain.js';
import { fix } from './fix-helpers.js';
import { HOSTS } from './helpers.js';

const EVIL = 'd;id>pwned';
const NASTY = [EVIL, "it's", 'a b', '$(id)', '`id`', '*', '-rf', 'x"y', 'a\\b', '~root', 'é', '!x', '#c'];

/** What sh makes of one line: each word it passes to printf, one per line. */
const shWords = (line: string): string[] =>
  execFileSync('sh', ['-c', `printf '%s\\n' ${line}`], { encoding: 'utf8' })
    .split('\n')
    .slice(0, -1);

describe('quote', () => {
  it('shellQuote gives sh back exactly the word, whatever it holds', () => {
    for (const word of NASTY) expect(shWords(shellQuote(word))).toEqual([word]);
    expect(shWords(shellJoin(['ethtool', '--offload', EVIL, 'gso', 'off']))).toEqual([
      'ethtool',
      '--offload',
      EVIL,
      'gso',
      'off',
    ]);
    expect(shellQuote('vif1.0')).toBe('vif1.0');
  });

  it('refuses control characters in a shell word (a printed newline is not what the admin pastes)', () => {
    expect(() => shellQuote('a\nrm -rf /')).toThrow(UnsafeHostValue);
    expect(() => shellQuote('a\u001b[2J')).toThrow(/control character/);
  });

  it('accepts what the kernel accepts as an interface name, and nothing else', () => {
    for (const name of [EVIL, 'eth0', 'br0.100', 'x"y', '123456789012345'])
      expect(interfaceName(name)).toBe(name);
    for (const name of ['', '1234567890123456', '.', '..', 'a/b', 'a:b', 'a b', 'a\tb', 'a\nb', 'a\u0000b']) {
      expect(() => interfaceName(name), JSON.stringify(name)).toThrow(UnsafeHostValue);
    }
    expect(() => interfaceName('éééééééé')).toThrow(/1-15 bytes, this is 16/);
  });

  it('refuses udev values udev cannot hold literally, and sysctl.d key parts that change the line', () => {
    expect(udevMatchValue(EVIL)).toBe(EVIL);
    for (const value of ['x"y', 'a\\b', 'vif*', 'a?', '[ab]', 'a|b']) {
      expect(() => udevMatchValue(value), value).toThrow(UnsafeHostValue);
    }
    expect(sysctlKeyPart('br0.100')).toBe('br0.100');
    for (const value of ['-br0', 'a=b', '#x', ';x', 'a*', EVIL]) {
      expect(() => sysctlKeyPart(value), value).toThrow(UnsafeHostValue);
    }
  });
});

describe('remedies with hostile names', () => {
  it('quotes the port in the boot script and the printed commands', () => {
    const target = { device: EVIL, features: [...OFFLOADS], portOf: 'xenbr0' };
    const remedy = ethtoolOffloadOff({
      now: [target],
      keep: [target],
      vifFeatures: OFFLOADS,
      persistence: 'openrc-local',
    });
    expect(remedy.commands[0]).toBe("ethtool --offload 'd;id>pwned' gso off tso off sg off gro off");
    const script = remedy.files.find((f) => f.path === LOCAL_D_SCRIPT)?.edit;
    expect(script?.kind === 'write-file' && script.content).toContain(
      "/usr/sbin/ethtool --offload 'd;id>pwned' gso off",
    );
  });

  it('leaves a name udev cannot hold out of the rule, and says why', () => {
    const quoted = { device: 'br"x', features: [...OFFLOADS] };
    const globbed = { device: 'eth*', features: [...OFFLOADS] };
    const plain = { device: 'eth0', features: [...OFFLOADS] };
    const remedy = ethtoolOffloadOff({
      now: [quoted, globbed, plain],
      keep: [quoted, globbed, plain],
      vifFeatures: OFFLOADS,
      persistence: 'udev',
    });
    const rule = remedy.files.find((f) => f.path === UDEV_RULE)?.edit;
    const content = rule?.kind === 'write-file' ? rule.content : '';
    expect(content).toContain('KERNEL=="eth0"');
    expect(content).not.toContain('br"x');
    expect(content).not.toContain('eth*');
    expect(remedy.note).toContain('a udev rule cannot hold "\\"" in a literal match');
    // The commands run now (argv, no shell) still cover them, quoted for a person to paste.
    expect(remedy.commands).toContain(`ethtool --offload 'br"x' gso off tso off sg off gro off`);
  });

  it('leaves out a device name the kernel would not allow (it did not come from the kernel)', () => {
    const forged = { device: 'a\nreboot', features: [...OFFLOADS] };
    const remedy = ethtoolOffloadOff({
      now: [forged],
      keep: [forged],
      vifFeatures: OFFLOADS,
      persistence: 'openrc-local',
    });
    expect(remedy.actions).toEqual([]);
    expect(remedy.files.map((f) => f.path)).toEqual([UDEV_RULE]);
    expect(remedy.note).toContain('refused "a\\nreboot"');
  });

  it('writes only safe bridge names into the sysctl.d drop-in', () => {
    const remedy = sendRedirectsOff(['xenbr0', 'br=1', '-br2']);
    const edit = remedy.files[0]?.edit;
    const content = edit?.kind === 'write-file' ? edit.content : '';
    expect(content).toContain('net.ipv4.conf.xenbr0.send_redirects = 0');
    expect(content).not.toMatch(/br=1|-br2/);
    expect(remedy.note).toMatch(/Left out.*br=1.*-br2/);
  });

  it('quotes domain names in xl commands and leaves out one with a newline', () => {
    const remedy = recoverCrashedDomain([EVIL, 'web\nxl destroy 0']);
    expect(remedy.commands).toContain("xl destroy 'd;id>pwned'");
    expect(remedy.commands.join('\n')).not.toContain('xl destroy 0');
    expect(remedy.commands.join('\n')).toContain('/etc/xen/d_id_pwned.cfg');
    expect(unpauseDomain(['$(reboot)']).commands).toEqual(["xl unpause '$(reboot)'"]);
  });
});

describe('fix --apply --only ethtool-offload-off on a host with a port named d;id>pwned', () => {
  const fixture = path.join(HOSTS, 'made-up-port-injection');

  /** A writable copy of the fixture, with an ethtool that replays `-k` and logs every other call. */
  function hostileHost(): string {
    const root = mkdtempSync(path.join(tmpdir(), 'xendoctor-inject-'));
    for (const dir of ['sys', 'run'])
      cpSync(path.join(fixture, dir), path.join(root, dir), { recursive: true });
    for (const dir of ['commands', 'etc/udev/rules.d', 'etc/local.d'])
      mkdirSync(path.join(root, dir), { recursive: true });
    writeFileSync(
      path.join(root, 'commands', 'ethtool'),
      `#!/bin/sh\nPATH=/usr/bin:/bin\nif [ "$1" = -k ]; then exec cat "${fixture}/commands/replies/ethtool -k $2.stdout"; fi\n` +
        `printf '%s\\n' "$@" >> "\${0%/*}/../ran.log"\n`,
      { mode: 0o755 },
    );
    return root;
  }

  it('writes a boot script that, run by sh, never runs the injected command', async () => {
    const root = hostileHost();
    const host = createHost({ root, path: [path.join(root, 'commands')] });
    const { code, out } = await fix(
      root,
      ['--apply', '--yes', '--only', 'ethtool-offload-off'],
      [bridgeOffload],
      {
        host,
      },
    );
    expect(out).toContain("$ ethtool --offload 'd;id>pwned' gso off tso off sg off gro off");
    expect(code).toBe(0);
    // The runtime action ran without a shell: the name reached ethtool as one argument.
    expect(readFileSync(path.join(root, 'ran.log'), 'utf8')).toContain(`--offload\n${EVIL}\ngso\n`);

    // Run the boot script as OpenRC would, with a fake ethtool and a fake `id` that leaves a mark.
    const script = readFileSync(path.join(root, 'etc/local.d/xendoctor-offload.start'), 'utf8');
    const work = mkdtempSync(path.join(tmpdir(), 'xendoctor-boot-'));
    const bin = path.join(work, 'bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'ethtool'), `#!/bin/sh\nprintf '%s\\n' "$@" >> ${work}/ethtool.log\n`, {
      mode: 0o755,
    });
    writeFileSync(path.join(bin, 'id'), `#!/bin/sh\ntouch ${work}/id-ran\n`, { mode: 0o755 });
    writeFileSync(path.join(work, 'boot.sh'), script.replaceAll('/usr/sbin/ethtool', `${bin}/ethtool`));
    execFileSync('/bin/sh', ['boot.sh'], { cwd: work, env: { PATH: bin } });
    expect(existsSync(path.join(work, 'id-ran'))).toBe(false);
    expect(existsSync(path.join(work, 'pwned'))).toBe(false);
    expect(readFileSync(path.join(work, 'ethtool.log'), 'utf8')).toContain(`--offload\n${EVIL}\ngso\noff\n`);
  });
});
