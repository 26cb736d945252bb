/**
 * deploy/systemd: the units pass `systemd-analyze verify` (systemd 252 runs it here without systemd
 * as PID 1: it loads the unit files from a temp copy and checks keys and ExecStart binaries), carry
 * the hardening docs/operations.md promises, and score "OK" in `systemd-analyze security --offline`.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { codeBlocks, REPO_ROOT } from '../support/docs.js';

const execFileAsync = promisify(execFile);
const SOURCE = join(REPO_ROOT, 'deploy/systemd');
/** What `systemd-analyze verify` loads: the template as one of its instances (partition 1/2). */
const UNITS = ['manku.service', 'manku-broker.service', 'manku-ingest@1-2.service', 'manku-api.service', 'manku-push.service', 'manku-split.target'];
const SERVICES = readdirSync(SOURCE).filter((f) => f.endsWith('.service'));

async function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(cmd, args, { cwd, timeout: 60_000 });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { code?: number | string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error(`${cmd} not found: apt-get install -y systemd (a missing tool is a failure)`);
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** key -> values of a unit file (a key may repeat). */
function keysOf(text: string): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) keys.set(m[1]!, [...(keys.get(m[1]!) ?? []), m[2]!]);
  }
  return keys;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'manku-units-'));
  cpSync(SOURCE, dir, { recursive: true });
});

describe('deploy/systemd', () => {
  it('systemd-analyze verify accepts every unit, the ingest template as an instance, without a warning', async () => {
    const result = await run('systemd-analyze', ['verify', ...UNITS], dir);
    expect(result.out).toBe('');
    expect(result.code).toBe(0);
  });

  it('verify catches a mistake (the check can fail): a misspelt key and a missing binary', async () => {
    const bad = readFileSync(join(dir, 'manku-api.service'), 'utf8').replace('NoNewPrivileges=yes', 'NoNewPrivilegs=yes').replace('ExecStart=/usr/bin/node ', 'ExecStart=/usr/bin/no-such-node ');
    writeFileSync(join(dir, 'manku-bad.service'), bad);
    const result = await run('systemd-analyze', ['verify', 'manku-bad.service'], dir);
    expect(result.out).toMatch(/Unknown key 'NoNewPrivilegs'/);
    expect(result.out).toMatch(/no-such-node/);
    expect(result.code).not.toBe(0);
  });

  it('every service runs one manku role as the dedicated user, from its EnvironmentFile, restarted on failure, hardened', () => {
    const roles = new Set<string>();
    for (const file of SERVICES) {
      const keys = keysOf(readFileSync(join(SOURCE, file), 'utf8'));
      const one = (k: string) => keys.get(k)?.at(-1);
      roles.add(/bin\/manku\.ts (\w+)$/.exec(one('ExecStart') ?? '')?.[1] ?? `none in ${file}`);
      expect(keys.get('EnvironmentFile'), file).toContain('/etc/manku/manku.env');
      expect({ file, user: one('User'), restart: one('Restart'), nnp: one('NoNewPrivileges'), ps: one('ProtectSystem'), home: one('ProtectHome'), tmp: one('PrivateTmp'), caps: one('CapabilityBoundingSet') })
        .toEqual({ file, user: 'manku', restart: 'on-failure', nnp: 'yes', ps: 'strict', home: 'yes', tmp: 'yes', caps: '' });
      // DATA_DIR (the last Environment= wins) is writable under ProtectSystem=strict.
      const dataDir = keys.get('Environment')!.filter((e) => e.startsWith('DATA_DIR=')).at(-1)!.slice('DATA_DIR='.length);
      expect(keys.get('ReadWritePaths')!.some((p) => dataDir === p || dataDir.startsWith(`${p}/`)), `${file} DATA_DIR ${dataDir}`).toBe(true);
    }
    const manku = readFileSync(join(REPO_ROOT, 'bin/manku.ts'), 'utf8');
    expect([...roles].sort()).toEqual(['all', 'api', 'broker', 'ingest', 'push']);
    for (const role of roles) expect(manku).toContain(`'${role}'`);
  });

  it('an ingest instance name is its partition escaped: manku-ingest@1-2 runs INGEST_PARTITION=1/2', async () => {
    const escaped = await run('systemd-escape', ['1/2'], dir);
    expect(escaped.out.trim()).toBe('1-2');
    const keys = keysOf(readFileSync(join(SOURCE, 'manku-ingest@.service'), 'utf8'));
    expect(keys.get('Environment')).toEqual(expect.arrayContaining(['INGEST_PARTITION=%I', 'DATA_DIR=/var/lib/manku/ingest-%i']));
  });

  it('the install steps in docs/operations.md name files that exist in deploy/', () => {
    const steps = codeBlocks('docs/operations.md').filter((b) => b.lang === 'bash' && b.code.includes('deploy/'));
    const paths = steps.flatMap((b) => b.code.match(/deploy\/[\w./@*-]+/g) ?? []);
    expect(paths).toEqual(expect.arrayContaining(['deploy/systemd/manku.sysusers.conf', 'deploy/prometheus/manku-rules.yml']));
    for (const path of paths) {
      const [folder, pattern] = [path.slice(0, path.lastIndexOf('/')), path.slice(path.lastIndexOf('/') + 1)];
      const matches = pattern.includes('*')
        ? readdirSync(join(REPO_ROOT, folder)).filter((f) => new RegExp(`^${pattern.replace(/[.@]/g, '\\$&').replace(/\*/g, '.*')}$`).test(f))
        : [pattern].filter((f) => existsSync(join(REPO_ROOT, folder, f)));
      expect(matches.length, path).toBeGreaterThan(0);
    }
  });

  it('systemd-analyze security --offline rates every service "OK" or better (exposure below 2.0)', async () => {
    for (const unit of UNITS.filter((u) => u.endsWith('.service'))) {
      const result = await run('systemd-analyze', ['security', '--offline=true', '--no-pager', unit], dir);
      const level = Number(/Overall exposure level for \S+: ([\d.]+)/.exec(result.out)?.[1]);
      expect(level, `${unit}: ${result.out.slice(-300)}`).toBeLessThan(2);
    }
  });
});
