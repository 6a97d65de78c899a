import { ParseError } from './parse-error.js';

/** What xendoctor reads of one domain's configuration in `xl list -l`. */
export interface XlDomainConfig {
  /** The running domain id (top-level "domid"; c_info.domid is the config value, 4294967295 for domUs). */
  domid: number;
  name: string;
  /** "pv", "pvh", "hvm"; undefined when not in the config (never for the lab's domains). */
  type?: string;
  uuid?: string;
  maxMemKb?: number;
  targetMemKb?: number;
  maxVcpus?: number;
  /** b_info.max_grant_frames when set in the domain's config (else Xen's gnttab_max_frames applies). */
  maxGrantFrames?: number;
  /** What Xen does on a crash: destroy (xl's default), restart, preserve, coredump-destroy... */
  onCrash?: string;
  onReboot?: string;
  onPoweroff?: string;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** libxl prints booleans as the strings "True"/"False"; accepts real JSON booleans too. */
export function xlBool(value: unknown): boolean | undefined {
  if (value === true || value === 'True') return true;
  if (value === false || value === 'False') return false;
  return undefined;
}

/**
 * Parses `xl list -l` (JSON, the default output format): an array of
 * `{"domid": 1, "config": {"c_info": {"name": "tiny", "domid": 4294967295, ...}, "b_info": {...},
 * "on_crash": "preserve"}}`. Dom0's entry carries almost no config.
 */
export function parseXlListJson(text: string): XlDomainConfig[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw ParseError.of('xl list -l', 'a JSON array of domains', text);
  }
  if (!Array.isArray(data)) throw ParseError.of('xl list -l', 'a JSON array of domains', text);
  return data.map((entry: unknown) => {
    if (!isObject(entry) || !isObject(entry.config)) {
      throw ParseError.of('xl list -l', 'an entry {"domid", "config"}', JSON.stringify(entry) ?? '');
    }
    const { config } = entry;
    const cInfo = isObject(config.c_info) ? config.c_info : {};
    const bInfo = isObject(config.b_info) ? config.b_info : {};
    const domid = entry.domid;
    const name = cInfo.name;
    if (typeof domid !== 'number' || !Number.isInteger(domid) || domid < 0 || domid > 0x7ff0) {
      throw ParseError.of('xl list -l', 'a whole "domid" below 32752', JSON.stringify(domid) ?? '');
    }
    if (typeof name !== 'string') {
      throw ParseError.of('xl list -l', `a c_info.name for domid ${domid}`, JSON.stringify(cInfo));
    }
    const domain: XlDomainConfig = { domid, name };
    const str = (value: unknown) => (typeof value === 'string' ? value : undefined);
    const num = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
    assign(domain, 'type', str(cInfo.type));
    assign(domain, 'uuid', str(cInfo.uuid));
    assign(domain, 'maxMemKb', num(bInfo.max_memkb));
    assign(domain, 'targetMemKb', num(bInfo.target_memkb));
    assign(domain, 'maxVcpus', num(bInfo.max_vcpus));
    // libxl's "default" sentinel is all ones; it means the hypervisor's gnttab_max_frames applies.
    const grantFrames = num(bInfo.max_grant_frames);
    assign(domain, 'maxGrantFrames', grantFrames === 0xffffffff ? undefined : grantFrames);
    assign(domain, 'onCrash', str(config.on_crash));
    assign(domain, 'onReboot', str(config.on_reboot));
    assign(domain, 'onPoweroff', str(config.on_poweroff));
    return domain;
  });
}

// Optional fields are left out rather than set to undefined (exactOptionalPropertyTypes-friendly).
function assign<K extends keyof XlDomainConfig>(
  target: XlDomainConfig,
  key: K,
  value: XlDomainConfig[K] | undefined,
): void {
  if (value !== undefined) target[key] = value;
}
