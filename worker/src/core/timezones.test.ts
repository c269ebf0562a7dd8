import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { instantToWallTime, toIana, toWindows, wallTimeToInstant, WINDOWS_TO_IANA } from './timezones.ts';
import { truncate } from './limits.ts';

describe('time zones', () => {
  it('maps Windows and IANA names both ways', () => {
    expect(toIana('W. Europe Standard Time')).toBe('Europe/Berlin');
    expect(toWindows('America/New_York')).toBe('Eastern Standard Time');
    expect(toIana('Nowhere/Land')).toBeUndefined();
    for (const iana of Object.values(WINDOWS_TO_IANA)) expect(toIana(iana)).toBeDefined();
  });
  it('is DST correct', () => {
    expect(wallTimeToInstant('2026-07-01T09:00:00.0000000', 'W. Europe Standard Time')).toBe('2026-07-01T07:00:00.000Z');
    expect(wallTimeToInstant('2026-01-15T09:00:00', 'Europe/Berlin')).toBe('2026-01-15T08:00:00.000Z');
    expect(wallTimeToInstant('2026-03-08T01:30:00', 'Pacific Standard Time')).toBe('2026-03-08T09:30:00.000Z');
    expect(wallTimeToInstant('2026-03-08T03:30:00', 'Pacific Standard Time')).toBe('2026-03-08T10:30:00.000Z');
    // repeated hour at the end of DST: the earlier instant
    expect(wallTimeToInstant('2026-11-01T01:30:00', 'America/New_York')).toBe('2026-11-01T05:30:00.000Z');
  });
  it('wall time → instant → wall time is a fixpoint outside DST gaps', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }), fc.constantFrom(...Object.keys(WINDOWS_TO_IANA)), (ms, zone) => {
        const instant = new Date(Math.floor(ms / 60000) * 60000).toISOString();
        const wall = instantToWallTime(instant, zone);
        expect(instantToWallTime(wallTimeToInstant(wall, zone), zone)).toBe(wall);
      }),
      { numRuns: 300 },
    );
  });
  it('truncates by code points, never inside a surrogate pair', () => {
    expect(truncate('ab😀cd', 3)).toBe('ab');
    expect(truncate('ab😀cd', 4)).toBe('ab😀');
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.nat(20), (s, n) => {
        const cut = truncate(s, n);
        expect(cut.length).toBeLessThanOrEqual(n);
        expect(s.startsWith(cut)).toBe(true);
        expect(/[\uD800-\uDBFF]$/.test(cut)).toBe(false);
      }),
    );
  });
});

describe('offsets cached by quarter hour', () => {
  it('agree with Intl minute by minute across DST changes, read twice (the second time from the cache)', () => {
    const wall = (ms: number, zone: string): string => {
      const f = new Intl.DateTimeFormat('en-CA', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
      const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
      return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`;
    };
    const cases: [string, string][] = [
      ['America/New_York', '2026-03-08T05:00:00Z'],
      ['Europe/Berlin', '2026-10-25T00:00:00Z'],
      ['Australia/Sydney', '2026-04-04T14:00:00Z'],
      ['Asia/Kathmandu', '2026-06-01T00:00:00Z'],
      // St. John's changed at 00:01 local until 2011: 03:31 UTC, inside a quarter hour
      ['America/St_Johns', '2008-03-09T02:00:00Z'],
    ];
    for (let pass = 0; pass < 2; pass++) {
      for (const [zone, from] of cases) {
        const start = Date.parse(from);
        for (let m = 0; m < 240; m += pass === 0 ? 7 : 1) {
          const ms = start + m * 60_000;
          expect(instantToWallTime(new Date(ms).toISOString(), zone)).toBe(wall(ms, zone));
        }
      }
    }
  });
});

