// The logger writes JSON lines to an injected destination and redacts credentials at any depth.
import { describe, expect, it } from 'vitest';
import { createLogger } from './log.ts';
import { Secret } from './secrets.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  return { lines, raw, destination: { write: (line: string) => { raw.push(line); lines.push(JSON.parse(line)); } } };
}

describe('createLogger', () => {
  it('captures lines at the configured level', () => {
    const c = capture();
    const log = createLogger({ level: 'warn', destination: c.destination });
    log.info('hidden');
    log.warn({ mailboxId: 'a01' }, 'shown');
    expect(c.lines).toHaveLength(1);
    expect(c.lines[0]).toMatchObject({ msg: 'shown', mailboxId: 'a01' });
  });

  it('redacts headers, tokens, passwords, client secrets and clientState', () => {
    const c = capture();
    const log = createLogger({ level: 'debug', destination: c.destination });
    log.info({
      req: { headers: { authorization: 'Bearer abc123' } },
      token: 'tok-1',
      body: { password: 'pw-1', clientSecret: 'cs-1', value: [{ clientState: 'state-1' }] },
      notification: { clientState: 'state-2' },
      err: { config: { headers: { Authorization: 'Bearer zzz' } } },
      access_token: 'at-1',
      wrapped: new Secret('hidden-1'),
    }, 'call');
    const text = c.raw.join('');
    for (const leaked of ['abc123', 'tok-1', 'pw-1', 'cs-1', 'state-2', 'zzz', 'at-1', 'hidden-1']) expect(text).not.toContain(leaked);
    expect(text).toContain('[redacted]');
  });
});
