// `npm run demo` end to end as a child process (a smaller org so it fits in a test run), the
// failure path in process (a change that never arrives), bad arguments, and the summary's
// arithmetic (scripts/ holds no unit tests of its own: vitest looks under worker, emulators, test).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../scripts/lib/demo-run.ts';
import { countsTable, diffCounts, kindsOf, latencyTable, percentile } from '../scripts/lib/demo-summary.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function run(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`demo did not exit within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function sink(): { stream: Writable; text(): string } {
  let text = '';
  return {
    stream: new Writable({
      write(chunk: Buffer, _enc, done) {
        text += chunk.toString();
        done();
      },
    }),
    text: () => text,
  };
}

describe('npm run demo', () => {
  it('syncs both ways, shows every live change arriving and exits 0 with the summary', async () => {
    const { code, stdout, stderr } = await run(['--contacts', '30', '--tasks', '9'], 170_000);
    expect(code, `${stdout}\n${stderr}`).toBe(0);
    // Plain progress lines (stdout is a pipe), one per mailbox reaching 100 %.
    expect(stdout.match(/: 18\/18 items \(100%\)/g)).toHaveLength(3);
    // Initial sync: 30 contacts and 9 tasks out; per mailbox 3 Outlook contacts and 2 To Do tasks in.
    expect(stdout).toMatch(/contact\s+Salesforce → Outlook\s+30\s+0\s+0/);
    expect(stdout).toMatch(/Outlook → Salesforce\s+9\s+0\s+0/);
    expect(stdout).toMatch(/task\s+Salesforce → Outlook\s+9\s+0\s+0/);
    expect(stdout).toMatch(/Outlook → Salesforce\s+6\s+0\s+0/);
    // Live: contact create, edit, delete and the conflict's winner out; the Outlook edit in.
    expect(stdout).toMatch(/contact\s+Salesforce → Outlook\s+1\s+2\s+1/);
    expect(stdout).toMatch(/Outlook → Salesforce\s+0\s+1\s+0/);
    expect(stdout).toMatch(/either way\s+1\s+1/);
    // Live: task completed out; To Do task created and deleted in.
    expect(stdout).toMatch(/task\s+Salesforce → Outlook\s+0\s+1\s+0/);
    expect(stdout).toMatch(/Outlook → Salesforce\s+1\s+0\s+1/);
    // Events: per mailbox 2 Salesforce events out and 1 tagged Outlook event in; live: a meeting out, a tagged event in.
    expect(stdout).toMatch(/event\s+Salesforce → Outlook\s+6\s+0\s+0\s+Outlook → Salesforce\s+3\s+0\s+0/);
    expect(stdout).toMatch(/event\s+Salesforce → Outlook\s+1\s+0\s+0\s+Outlook → Salesforce\s+1\s+0\s+0/);
    // Email: a filed message with an attachment becomes a task in Salesforce (live only).
    expect(stdout).toMatch(/email\s+Salesforce → Outlook\s+0\s+0\s+0\s+Outlook → Salesforce\s+1\s+0\s+0/);
    expect(stdout.match(/ ✓ /g)).toHaveLength(11);
    expect(stdout).toMatch(/latency of 11 live change\(s\): p50 \d+ ms, p95 \d+ ms/);
    expect(stdout).toMatch(/Demo finished in [\d.]+ s: every change arrived\./);
  }, 180_000);

  it('a change that never arrives fails the demo with its name', async () => {
    const out = sink();
    const result = await runDemo({
      contacts: 2,
      tasks: 1,
      mailboxes: 1,
      out: out.stream,
      tty: false,
      changeDeadlineMs: 300,
      changes: [{ kind: 'contact', origin: 'Salesforce', label: 'a change nobody makes', act: async () => () => false }],
    });
    expect(result.ok).toBe(false);
    expect(result.failure).toContain('a change nobody makes');
    expect(result.latencies).toEqual([{ label: 'a change nobody makes', kind: 'contact', origin: 'Salesforce', ms: undefined }]);
    expect(out.text()).toContain('Demo FAILED');
  }, 120_000);

  it('bad arguments exit 2 with the usage', async () => {
    const { code, stderr } = await run(['--contacts', 'many'], 60_000);
    expect(code).toBe(2);
    expect(stderr).toContain('--contacts takes a whole number');
    expect(stderr).toContain('usage: npm run demo');
  }, 70_000);
});

describe('demo summary', () => {
  it('percentile is nearest-rank over what was measured', () => {
    expect(percentile([], 50)).toBeUndefined();
    expect(percentile([300], 95)).toBe(300);
    expect(percentile([400, 100, 300, 200], 50)).toBe(200);
    expect(percentile([400, 100, 300, 200], 95)).toBe(400);
    expect(percentile(Array.from({ length: 20 }, (_, i) => i + 1), 95)).toBe(19);
  });

  it('a kind the worker reports gets its rows; known kinds come first', () => {
    expect(kindsOf({ 'event.created': 1, 'contact.created': 2, 'zeta.created': 0 })).toEqual(['contact', 'event', 'zeta']);
    const text = countsTable({ 'contact.toExchange.created': 500, 'contact.toSalesforce.created': 9, 'contact.conflicts': 1, 'contact.issues': 2 });
    expect(text).toMatch(/contact\s+Salesforce → Outlook\s+500\s+0\s+0/);
    expect(text).toMatch(/Outlook → Salesforce\s+9\s+0\s+0/);
    expect(text).toMatch(/either way\s+1\s+2/);
  });

  it('a change that never arrived says so and stays out of the percentiles', () => {
    const text = latencyTable([
      { label: 'a', kind: 'contact', origin: 'Salesforce', ms: 120 },
      { label: 'b', kind: 'task', origin: 'Outlook', ms: undefined },
    ]);
    expect(text).toContain('NEVER');
    expect(text).toContain('latency of 1 live change(s): p50 120 ms, p95 120 ms');
  });

  it('diffCounts subtracts a phase', () => {
    expect(diffCounts({ 'task.created': 5, 'task.updated': 1 }, { 'task.created': 3 })).toEqual({ 'task.created': 2, 'task.updated': 1 });
  });
});
