// Assertions of the `fleet` scenario (test/xen/fleet.sh, fleet-dom0.sh): the tiny domU's per-domain and
// per-device metrics from two scrapes of `xendoctor serve` in dom0 (A, then B) are real.
//
// fleet-dom0.sh takes xentop, xl list, xl list -l and xl vcpu-list after the cycle of scrape A ended and
// before the cycle of scrape B started. The counters only grow, so each value those tools showed lies
// between A's and B's once put in the same unit; the tolerances are only what the tools' own rounding
// costs (said at each comparison), not a guess at how far apart in time the readings were.
//
// Exported to assert.mjs: fleet({ check, read }).

/** Prometheus text -> [{ name, labels, value }]. */
function parseMetrics(text) {
  const samples = [];
  for (const line of (text ?? '').split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

/** The one sample of `name` whose labels include `want`, or throws saying what is there. */
function one(samples, name, want) {
  const found = samples.filter(
    (s) => s.name === name && Object.entries(want).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length !== 1) {
    throw new Error(`${found.length} samples of ${name}${JSON.stringify(want)}`);
  }
  return found[0].value;
}

/** `xentop -b -i 1`: NAME -> { column: value }, columns from the header ("no limit" is one value). */
export function parseXentop(text) {
  const rows = (text ?? '').split('\n').filter((l) => l.trim() !== '');
  const header = rows.findIndex((l) => /^\s*NAME\s+STATE\s+CPU\(sec\)/.test(l));
  if (header < 0) throw new Error('no xentop header');
  const columns = rows[header].trim().split(/\s+/);
  const domains = new Map();
  for (const row of rows.slice(header + 1)) {
    if (/^\s*NAME\s/.test(row)) break; // a second iteration
    const values = row
      .trim()
      .replace(/no limit/g, 'no_limit')
      .split(/\s+/);
    if (values.length !== columns.length) throw new Error(`xentop row does not fit the header: ${row}`);
    domains.set(values[0], Object.fromEntries(columns.map((c, i) => [c, values[i]])));
  }
  return domains;
}

/** lo <= value <= hi, or why not. */
function between(what, lo, value, hi) {
  return lo <= value && value <= hi ? true : `${what}: ${value} is not within [${lo}, ${hi}]`;
}

export function fleet({ check, read }) {
  const a = parseMetrics(read('metrics-a.txt'));
  const b = parseMetrics(read('metrics-b.txt'));
  const domid = (read('domid.txt') ?? '').trim();
  const vif = `vif${domid}.0`;
  const dom = { domain: 'tiny' };
  const nic = { domain: 'tiny', interface: vif };
  const disk = { domain: 'tiny', device: 'xvda' };
  const at = (file) => Number((read(file) ?? '').trim());

  check('two scrapes of serve in dom0 show the domU', () => {
    if (!/^\d+$/.test(domid)) return `xl domid tiny: ${read('domid.txt')}`;
    if (a.length === 0 || b.length === 0)
      return `scrape A ${a.length} samples, B ${b.length}; ${read('curl.err')}`;
    return true;
  });
  check('the cycles of A and B bracket xentop and xl (A ended before, B started after)', () => {
    const run = (samples) => ({
      finished: one(samples, 'xendoctor_probe_last_run_timestamp_seconds', { probe: 'domains' }),
      took: one(samples, 'xendoctor_probe_duration_seconds', { probe: 'domains' }),
    });
    const ra = run(a);
    const rb = run(b);
    // The timestamp is rounded to whole seconds: +-0.5 s.
    if (!(ra.finished + 0.5 < at('xentop-start')))
      return `A finished ${ra.finished}, xentop at ${at('xentop-start')}`;
    if (!(rb.finished - 0.5 - rb.took > at('xl-end'))) {
      return `B's domains probe started ${rb.finished - rb.took}, xl ended ${at('xl-end')}`;
    }
    return true;
  });

  // domain_info: the domid and UUID are xl's; the type is xl list -l's.
  const config = (() => {
    try {
      return JSON.parse(read('xl-list-l.json') ?? '').find((d) => d.config?.c_info?.name === 'tiny');
    } catch {
      return undefined;
    }
  })();
  check('domain_info{domain="tiny"} carries xl\'s domid, UUID and type (pv)', () => {
    const info = b.filter((s) => s.name === 'xendoctor_domain_info' && s.labels.domain === 'tiny');
    if (info.length !== 1) return `${info.length} domain_info series for tiny`;
    const want = { domid, uuid: config?.config?.c_info?.uuid, type: 'pv' };
    const got = { domid: info[0].labels.domid, uuid: info[0].labels.uuid, type: info[0].labels.type };
    return JSON.stringify(got) === JSON.stringify(want) && info[0].value === 1
      ? true
      : `got ${JSON.stringify(got)}, xl says ${JSON.stringify(want)}`;
  });

  // Every counter grows between A and B: the domU's /init reads and writes xvda and pings dom0 every 2 s;
  // dom0 answers, and sends it 200 datagrams after A.
  const growing = [
    ['xendoctor_domain_cpu_seconds_total', dom],
    ['xendoctor_domain_network_transmit_bytes_total', nic],
    ['xendoctor_domain_network_receive_bytes_total', nic],
    ['xendoctor_domain_network_transmit_packets_total', nic],
    ['xendoctor_domain_network_receive_packets_total', nic],
    ['xendoctor_domain_block_read_requests_total', disk],
    ['xendoctor_domain_block_write_requests_total', disk],
    ['xendoctor_domain_block_read_bytes_total', disk],
    ['xendoctor_domain_block_written_bytes_total', disk],
  ];
  for (const [name, labels] of growing) {
    check(`${name}${JSON.stringify(labels)} grows between A and B`, () => {
      const [va, vb] = [one(a, name, labels), one(b, name, labels)];
      return vb > va ? true : `A ${va}, B ${vb}`;
    });
  }
  const delta = (name, labels) => one(b, name, labels) - one(a, name, labels);
  check('direction: the 200 x 1200-byte datagrams dom0 sent are bytes the domain received', () => {
    const received = delta('xendoctor_domain_network_receive_bytes_total', nic);
    const sent = delta('xendoctor_domain_network_transmit_bytes_total', nic);
    // On the wire each is 1200 + 8 (UDP) + 20 (IP) + 14 (Ethernet) bytes; the domU sends a ping every 2 s and answers
    // the datagrams with rate-limited ICMP errors, so what it sends stays well below. Many never arrive: a TCG
    // domU dropped 44 of 200 in one run and 170 in the next, so only ten are required; the exact byte counts
    // are checked against xentop's NETTX/NETRX above.
    return received >= 10 * 1242 && sent < received / 2 ? true : `received +${received}, sent +${sent}`;
  });
  check('blkif sectors are 512 bytes: bytes are a multiple of 512 and requests carry 4 KiB blocks', () => {
    const bytes = one(b, 'xendoctor_domain_block_read_bytes_total', disk);
    const written = one(b, 'xendoctor_domain_block_written_bytes_total', disk);
    return bytes % 4096 === 0 && written % 4096 === 0 ? true : `read ${bytes}, written ${written}`;
  });

  // xentop between A and B.
  let top;
  check('xentop -b -i 1 shows tiny', () => {
    top = parseXentop(read('xentop.txt')).get('tiny');
    return top ? true : `no tiny row in: ${read('xentop.txt')}`;
  });
  const value = (name, labels) => [one(a, name, labels), one(b, name, labels)];
  if (top) {
    check(
      'CPU(sec): xentop (whole seconds, truncated) is between A and B (xl list, 0.1 s rounded: +-0.05)',
      () => {
        const [va, vb] = value('xendoctor_domain_cpu_seconds_total', dom);
        return between('CPU(sec)', Math.floor(va - 0.05), Number(top['CPU(sec)']), Math.floor(vb + 0.05));
      },
    );
    // xentop's NETTX/NETRX are dom0's view of the vif (its tx/rx), NOT swapped to the domain's side: on the
    // lab (2026-11-26) xentop showed NETTX(k) 1 while the vif's rx_bytes was 880 a moment later, tx_bytes 1146.
    // So NETTX is what the domain received. KiB truncated: floor(A/1024) <= NETTX(k) <= floor(B/1024).
    for (const [column, name] of [
      ['NETTX(k)', 'xendoctor_domain_network_receive_bytes_total'],
      ['NETRX(k)', 'xendoctor_domain_network_transmit_bytes_total'],
    ]) {
      check(`${column}: xentop (KiB) is between A and B`, () => {
        const [va, vb] = value(name, nic);
        return between(column, Math.floor(va / 1024), Number(top[column]), Math.floor(vb / 1024));
      });
    }
    // libxenstat reads the same sysfs files blkback writes: exact, in requests and 512-byte sectors.
    for (const [column, name, scale] of [
      ['VBD_RD', 'xendoctor_domain_block_read_requests_total', 1],
      ['VBD_WR', 'xendoctor_domain_block_write_requests_total', 1],
      ['VBD_RSECT', 'xendoctor_domain_block_read_bytes_total', 512],
      ['VBD_WSECT', 'xendoctor_domain_block_written_bytes_total', 512],
      ['VBD_OO', 'xendoctor_domain_block_out_of_requests_total', 1],
    ]) {
      check(`${column}: xentop${scale > 1 ? ' (sectors x 512)' : ''} is between A and B`, () => {
        const [va, vb] = value(name, disk);
        return between(column, va, Number(top[column]) * scale, vb);
      });
    }
    check('VBDS and NETS: xentop counts as many devices as the metrics have series', () => {
      const vbds = b.filter(
        (s) => s.name === 'xendoctor_domain_block_read_requests_total' && s.labels.domain === 'tiny',
      );
      const nets = b.filter(
        (s) => s.name === 'xendoctor_domain_network_transmit_bytes_total' && s.labels.domain === 'tiny',
      );
      return Number(top.VBDS) === vbds.length && Number(top.NETS) === nets.length
        ? true
        : `xentop VBDS ${top.VBDS} NETS ${top.NETS}; metrics ${vbds.length} VBDs, ${nets.length} NICs`;
    });
    check('VCPUS and MEM(k): xentop agrees with domain_vcpus and domain_memory_bytes (xl list: MiB)', () => {
      const vcpus = one(b, 'xendoctor_domain_vcpus', dom);
      const memory = one(b, 'xendoctor_domain_memory_bytes', dom);
      const memMiB = Math.floor(Number(top['MEM(k)']) / 1024);
      return Number(top.VCPUS) === vcpus && memory === memMiB * 1048576
        ? true
        : `xentop VCPUS ${top.VCPUS} MEM(k) ${top['MEM(k)']}; metrics vcpus ${vcpus}, memory ${memory}`;
    });
  }

  check('domain_memory_max_bytes is xl list -l b_info.max_memkb x 1024 (tiny.cfg: maxmem = 96)', () => {
    const max = one(b, 'xendoctor_domain_memory_max_bytes', dom);
    const kb = config?.config?.b_info?.max_memkb;
    return max === kb * 1024 && max === 96 * 1048576 ? true : `metric ${max}, max_memkb ${kb}`;
  });
  check(
    'domain_vcpus and cpu_seconds agree with xl vcpu-list (one row per vCPU, Time(s) 0.1 s rounded)',
    () => {
      const rows = (read('xl-vcpu-list.txt') ?? '')
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .filter((f) => f[0] === 'tiny');
      const vcpus = one(b, 'xendoctor_domain_vcpus', dom);
      const online = rows.filter((f) => !/^-+$/.test(f[3]));
      const seconds = rows.reduce((sum, f) => sum + Number(f[5]), 0);
      const [va, vb] = value('xendoctor_domain_cpu_seconds_total', dom);
      if (online.length !== vcpus) return `xl vcpu-list: ${online.length} online vCPUs, metric ${vcpus}`;
      return between('xl vcpu-list Time(s) sum', va - 0.05, seconds, vb + 0.05 * (rows.length + 1));
    },
  );

  // The commands the cycles ran, from the wrappers' log: "<epoch seconds> <argv>".
  const commands = (read('commands.log') ?? '')
    .split('\n')
    .map((l) => /^(\d+(?:\.\d+)?) (.*)$/.exec(l))
    .filter(Boolean)
    .map((m) => ({ at: Number(m[1]), argv: m[2] }));
  const cycleOf = (samples) => {
    const finished = samples.filter((s) => s.name === 'xendoctor_probe_last_run_timestamp_seconds');
    const took = new Map(
      samples
        .filter((s) => s.name === 'xendoctor_probe_duration_seconds')
        .map((s) => [s.labels.probe, s.value]),
    );
    const start = Math.min(...finished.map((s) => s.value - (took.get(s.labels.probe) ?? 0))) - 0.5;
    const end = Math.max(...finished.map((s) => s.value)) + 0.5;
    return commands.filter((c) => c.at >= start && c.at <= end).map((c) => c.argv);
  };
  check('each cycle runs `xl list` and `xl list -l` once, and nothing per domain for the metrics', () => {
    const problems = [];
    for (const [name, samples] of [
      ['A', a],
      ['B', b],
    ]) {
      const ran = cycleOf(samples);
      const count = (argv) => ran.filter((c) => c === argv).length;
      if (ran.length === 0) problems.push(`cycle ${name}: no command logged`);
      if (count('xl list') !== 1) problems.push(`cycle ${name}: xl list ${count('xl list')} times`);
      if (count('xl list -l') !== 1) problems.push(`cycle ${name}: xl list -l ${count('xl list -l')} times`);
      // What the checks run per domain (grant-tables: xen-diag; bridge-offload: ethtool -k of each port)
      // is theirs, and the one-shot report runs it too; the metrics must add nothing naming the domain.
      const own = new Set([`xen-diag gnttab_query_size ${domid}`, `ethtool -k ${vif}`]);
      const perDomain = ran.filter(
        (c) =>
          !own.has(c) &&
          (new RegExp(`\\b(tiny|${domid}|${vif.replace('.', '\\.')})\\b`).test(c) ||
            /^(xentop|xenstore)/.test(c)),
      );
      if (perDomain.length > 0) problems.push(`cycle ${name}: ${perDomain.join(', ')}`);
    }
    return problems.length === 0 ? true : problems.join('; ');
  });
}
