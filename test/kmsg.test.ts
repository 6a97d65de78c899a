import { describe, expect, it } from 'vitest';
import { classifyKernelMessage, parseKmsgRecord } from '../src/parsers/kmsg.js';
import { ParseError } from '../src/parsers/parse-error.js';
import { hostFile, reply } from './helpers.js';

// Real kernel text, with where it was seen.
const REAL = {
  // xen-devel, December 2021 (also in made-up-netback-errors' dmesg).
  crossPage: 'vif vif-1-0 vif1.0: Cross page boundary, txp->offset: 2872, size: 1460',
  fatal: 'vif vif-1-0 vif1.0: fatal error; disabling device',
  // A domU kernel at its grant frame limit (blog post "Solving max_grant_frames under XEN", 2023).
  maxGrantFrames:
    'xen:grant_table: xen/grant-table: max_grant_frames reached cur=32 extra=1 limit=32 gnttab_free_count=1 req_entries=32',
  // dom0 of QubesOS issue 5887 (2020): a VBD backend that cannot write xenstore, then a shutdown timeout.
  vbdError: 'vbd vbd-5-51760: failed to write error node for backend/vbd/5/51760 (5 starting transaction)',
  xenbusTimeout: 'xenbus: xenbus_dev_shutdown: backend/vbd/5/51760 timeout closing device',
  // Healthy lines: QubesOS issue 2613 (blkback connecting) and the lab's dom0 (netfront setting up queues).
  blkbackConnect:
    'xen-blkback: backend/vbd/2635/51712: using 2 queues, protocol 1 (x86_64-abi) persistent grants',
  invalidQueue: 'xen_netback:xenvif_start_xmit: Invalid queue 1 for packet on interface vif1.0',
};

describe('parseKmsgRecord', () => {
  it('reads the prefix, sequence, time and text of a record, without its continuation lines', () => {
    expect(parseKmsgRecord(`4,1234,501840828,-;${REAL.fatal}\n SUBSYSTEM=net\n DEVICE=n5\n`)).toEqual({
      level: 4,
      facility: 0,
      sequence: 1234,
      timestampUs: 501840828,
      message: REAL.fatal,
    });
    // Facility 3 (daemon) level 6, a flag "c" (continuation) and a fifth field.
    expect(parseKmsgRecord('30,7,100,c,extra;a; text with ; in it')).toMatchObject({
      level: 6,
      facility: 3,
      message: 'a; text with ; in it',
    });
  });
  it('refuses empty, truncated and garbage records with a ParseError', () => {
    for (const bad of ['', '\n', '6,1,2;no flags', '6,1;x', 'x,1,2,-;text', '6,1,2,-', 'text only']) {
      expect(() => parseKmsgRecord(bad)).toThrow(ParseError);
    }
  });
});

describe('classifyKernelMessage', () => {
  it('names the event and the device of each real Xen backend line', () => {
    expect(classifyKernelMessage(REAL.fatal)).toEqual({ event: 'netback_fatal', device: 'vif1.0' });
    expect(classifyKernelMessage(REAL.crossPage)).toEqual({ event: 'netback_error', device: 'vif1.0' });
    expect(classifyKernelMessage(REAL.maxGrantFrames)).toEqual({ event: 'max_grant_frames', device: '' });
    expect(classifyKernelMessage(REAL.vbdError)).toEqual({ event: 'blkback_error', device: 'vbd-5-51760' });
    expect(classifyKernelMessage(REAL.xenbusTimeout)).toEqual({
      event: 'xenbus_timeout',
      device: 'vbd-5-51760',
    });
  });
  it('counts nothing on healthy lines, nor on any line of the lab dom0s real kernel logs', () => {
    expect(classifyKernelMessage(REAL.blkbackConnect)).toBeUndefined();
    expect(classifyKernelMessage(REAL.invalidQueue)).toBeUndefined();
    for (const host of ['dom0-domu-credit2', 'dom0-domu-credit-gnttab256', 'capture-dom0-domu']) {
      const counted = reply(host, 'dmesg')
        .split('\n')
        .map((line) => line.replace(/^\[[^\]]*\] /, ''))
        .filter((line) => classifyKernelMessage(line));
      expect(counted).toEqual([]);
    }
  });
  it('finds the two netback lines in the made-up host quoting xen-devel', () => {
    const events = hostFile('made-up-netback-errors', 'commands/replies/dmesg.stdout')
      .split('\n')
      .map((line) => classifyKernelMessage(line.replace(/^\[[^\]]*\] /, ''))?.event)
      .filter((event) => event !== undefined);
    expect(events).toEqual(['netback_error', 'netback_fatal']);
  });
});
