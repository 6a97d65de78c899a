// Diagnostic for bench/memory.mjs (variant `no-icu`), never shipped: answers node-cron's two
// Intl.DateTimeFormat uses (parts of a date, and the zone's offset) for the UTC zone without ICU, to
// measure what ICU's data and code cost the daemon. The daemon's interval groups run in UTC; any other
// zone throws, so a run that needed real ICU cannot pass for this one.
'use strict';
const pad = (n) => String(n).padStart(2, '0');
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

class UtcOnlyDateTimeFormat {
  constructor(_locale, options = {}) {
    if (options.timeZone !== 'UTC') throw new Error(`no-icu: only the UTC zone (asked: ${options.timeZone})`);
    this.offset = options.timeZoneName !== undefined;
  }
  formatToParts(date) {
    const d = new Date(date);
    if (this.offset) return [{ type: 'timeZoneName', value: 'GMT' }];
    return [
      { type: 'weekday', value: WEEKDAYS[d.getUTCDay()] },
      { type: 'month', value: pad(d.getUTCMonth() + 1) },
      { type: 'day', value: pad(d.getUTCDate()) },
      { type: 'year', value: String(d.getUTCFullYear()) },
      { type: 'hour', value: pad(d.getUTCHours()) },
      { type: 'minute', value: pad(d.getUTCMinutes()) },
      { type: 'second', value: pad(d.getUTCSeconds()) },
    ];
  }
}

globalThis.Intl = { DateTimeFormat: UtcOnlyDateTimeFormat };
