/**
 * deploy/prometheus: the alert rules and the scrape config pass `promtool check`, their unit tests
 * pass `promtool test rules` (Debian `prometheus`), every alert is tested firing AND clearing, and
 * every alert's runbook_url points at a section of docs/operations.md that names it.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../support/docs.js';

const run = promisify(execFile);
const DIR = join(REPO_ROOT, 'deploy/prometheus');
const RULES = join(DIR, 'manku-rules.yml');
const TESTS = join(DIR, 'manku-rules.test.yml');

interface Rule { alert: string; expr: string; annotations?: Record<string, string> }
interface AlertTest { alertname: string; eval_time: string; exp_alerts: unknown[] }
const rules = (parse(readFileSync(RULES, 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((g) => g.rules);
const tests = (parse(readFileSync(TESTS, 'utf8')) as { tests: Array<{ name: string; alert_rule_test?: AlertTest[] }> }).tests;

/** promtool's exit code and output; a missing promtool is a failure that says what to install. */
async function promtool(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run('promtool', args, { cwd: DIR, timeout: 150_000 });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { code?: number | string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error('promtool not found: apt-get install -y prometheus (npm test installs it; a missing tool is a failure)');
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** promtool test rules needs ~3 s of CPU; on a loaded 2-core machine that took 14-30 s of wall time. */
const PROMTOOL_MS = 180_000;

const minutes = (d: string) => Number(/^(\d+)m$/.exec(d)?.[1] ?? NaN);

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
const anchorOf = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');

describe('deploy/prometheus', () => {
  it('promtool check rules and check config pass', async () => {
    const rulesCheck = await promtool('check', 'rules', RULES);
    expect(rulesCheck.out).toMatch(new RegExp(`SUCCESS: ${rules.length} rules found`));
    expect(rulesCheck.code).toBe(0);
    const config = await promtool('check', 'config', join(DIR, 'prometheus.yml'));
    expect(config.out).toMatch(/is valid prometheus config file syntax/);
    expect(config.code).toBe(0);
  }, PROMTOOL_MS);

  it('promtool test rules passes', async () => {
    const result = await promtool('test', 'rules', TESTS);
    expect(result.out).toMatch(/SUCCESS/);
    expect(result.code).toBe(0);
  }, PROMTOOL_MS);

  it('every alert is tested firing and, later in the same series, clearing', () => {
    expect(rules.length).toBeGreaterThanOrEqual(15);
    for (const { alert } of rules) {
      const cases = tests.flatMap((t) => (t.alert_rule_test ?? []).filter((c) => c.alertname === alert).map((c) => ({ group: t.name, ...c })));
      const fired = cases.filter((c) => c.exp_alerts.length > 0);
      expect(fired.length, `${alert} fires`).toBeGreaterThan(0);
      const clears = fired.some((f) => cases.some((c) => c.group === f.group && c.exp_alerts.length === 0 && minutes(c.eval_time) > minutes(f.eval_time)));
      expect(clears, `${alert} clears after it fired`).toBe(true);
    }
  });

  it('the unit tests can fail: a rule that no longer matches its series makes promtool test rules fail', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'manku-rules-'));
    writeFileSync(join(dir, 'manku-rules.yml'), readFileSync(RULES, 'utf8').replace('expr: manku_gate_online == 0', 'expr: manku_gate_online == 2'));
    copyFileSync(TESTS, join(dir, 'manku-rules.test.yml'));
    const result = await promtool('test', 'rules', join(dir, 'manku-rules.test.yml'));
    expect(result.code).not.toBe(0);
    expect(result.out).toMatch(/MankuGateSilent/);
  }, PROMTOOL_MS);

  it('each alert has a summary, a description and a runbook section in docs/operations.md that names it', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs/operations.md'), 'utf8');
    const sections = new Map(
      doc.split(/^(?=#{2,4} )/m).map((s) => [anchorOf(s.slice(0, s.indexOf('\n')).replace(/^#+ /, '')), s] as const),
    );
    for (const { alert, annotations = {} } of rules) {
      expect(annotations.summary, alert).toBeTruthy();
      expect(annotations.description, alert).toBeTruthy();
      const anchor = /^\{\{ \$externalLabels\.manku_runbooks \}\}#([a-z0-9-]+)$/.exec(annotations.runbook_url ?? '')?.[1];
      expect(anchor, `${alert} runbook_url`).toBeTruthy();
      expect(sections.get(anchor!), `docs/operations.md#${anchor}`).toContain(alert);
    }
  });
});
