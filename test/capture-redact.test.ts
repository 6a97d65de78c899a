// Issue 12, item 6: `capture --redact` replaces identifying values as whole tokens, in every notation, and
// says exactly what it left.
import { describe, expect, it } from 'vitest';
import { Redactor } from '../src/capture/redact.js';
import { hostFile } from './helpers.js';

describe('Redactor', () => {
  it('a host called xen or dom0 leaves /proc/xen, dom0_mem and Xen output alone', () => {
    const mounts = hostFile('dom0-domu-credit2', 'proc/mounts');
    for (const name of ['xen', 'dom0']) {
      const r = new Redactor([name]);
      expect(r.text(mounts)).toBe(mounts);
      expect(r.text('dom0_mem=1024M,max:1024M dom0_max_vcpus=2 (XEN) Xen version 4.17')).toBe(
        'dom0_mem=1024M,max:1024M dom0_max_vcpus=2 (XEN) Xen version 4.17',
      );
      expect(r.text(`host                   : ${name}\n`)).toBe('host                   : redacted-host1\n');
      expect(r.text(`root@${name}:~#`)).toBe('root@redacted-host1:~#');
    }
  });

  it('redacts a 2-character host name as a token, and says which names it could not redact', () => {
    const r = new Redactor(['h2']);
    expect(r.text('host : h2\nh2o sh2 h2.')).toBe('host : redacted-host1\nh2o sh2 redacted-host1.');
    expect(r.summary()).not.toMatch(/Not redacted: "/);
    const one = new Redactor(['x']);
    expect(one.text('host : x')).toBe('host : x');
    expect(one.summary()).toContain('Not redacted: "x" (one character');
  });

  it('replaces domU names and user names', () => {
    const r = new Redactor(['xen1'], { domains: ['web-prod', 'db1'], users: ['alice'] });
    const text = r.text(
      'web-prod  3  1024  2  -b----  10.0\ndb1  4\nweb-prod2\n/home/alice/.ssh alice bob /home/bob',
    );
    expect(text).toBe(
      'redacted-domain1  3  1024  2  -b----  10.0\nredacted-domain2  4\nweb-prod2\n' +
        '/home/redacted-user1/.ssh redacted-user1 bob /home/redacted-user2',
    );
  });

  it('removes credentials from URLs and secret= values on a kernel command line', () => {
    const r = new Redactor([]);
    const text = r.text(
      'root=/dev/sda1 ks=http://admin:secret@10.0.0.1/ks.cfg rd.iscsi.password=hunter2 inst.repo=ftp://anon@mirror/x',
    );
    for (const secret of ['admin', 'secret@', 'hunter2', 'anon@']) expect(text).not.toContain(secret);
    expect(text).toContain('ks=http://redacted:redacted@10.0.0.1/ks.cfg');
    expect(text).toContain('root=/dev/sda1');
  });

  it('replaces disk and USB serial numbers', () => {
    const r = new Redactor([]);
    const text = r.text(
      'E: ID_SERIAL=Samsung_SSD_850_EVO_S2R5NX0H123\nE: ID_SERIAL_SHORT=S2R5NX0H123\n' +
        'lrwxrwxrwx ata-Samsung_SSD_850_EVO_S2R5NX0H123 -> ../../sda\n  iSerial                 3 0123456789AB\n' +
        'Serial Number:    S2R5NX0H123\n',
    );
    expect(text).not.toContain('S2R5NX0H123');
    expect(text).not.toContain('0123456789AB');
    expect(text).toContain('ata-redacted-id1 -> ../../sda');
  });

  it('replaces a MAC in every notation, and IPv6 addresses made from it, by the same stand-in', () => {
    const r = new Redactor([]);
    const text = r.text(
      'a 00:16:3e:54:e9:11 b 00-16-3E-54-E9-11 c 00163e54e911 d fe80::216:3eff:fe54:e911/64 e 2001:db8::216:3eff:fe54:e911',
    );
    expect(text).toBe(
      'a 00:16:3e:00:00:01 b 00-16-3e-00-00-01 c 00163e000001 d fe80::216:3eff:fe00:1/64 e 2001:db8::216:3eff:fe00:1',
    );
    // A 12-digit decimal number is a byte count, not a MAC.
    expect(r.text('total_memory 134217728000')).toBe('total_memory 134217728000');
  });

  it("replaces the FQDN's domain wherever it stands alone", () => {
    const r = new Redactor(['xen1.lab.example.org', 'xen1']);
    expect(r.text('search lab.example.org\nxen1.lab.example.org xen1 mail.lab.example.org')).toBe(
      'search redacted.invalid\nredacted-host1.redacted.invalid redacted-host1 mail.redacted.invalid',
    );
  });
});
