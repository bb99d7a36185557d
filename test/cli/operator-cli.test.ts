// `switchyard operator` flag handling, in process (no cluster needed): help, usage errors (exit 2), startup errors
// (exit 1) that name the problem and never a token.
import { describe, expect, it } from 'vitest';
import { main } from '../../cmd/main.ts';
import { defaultIdentity, formatOperatorBanner } from '../../cmd/operator.ts';

interface Run { code: number | 'running'; stdout: string; stderr: string }

async function call(args: string[], env: Record<string, string> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(['operator', ...args], { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, env }, '9.9.9');
  return { code, stdout, stderr };
}

describe('switchyard operator (CLI)', () => {
  it('--help lists the flags', async () => {
    const r = await call(['--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--kubeconfig', '--namespace', '--lease-namespace', '--identity', '--sync-port', '--admin-port', '--sync-token-file', '--sync-token-secret', '--sync-auth tokenreview', '--lease-duration', '--renew-deadline', '--retry-period', '--log-level']) {
      expect(r.stdout).toContain(flag);
    }
  });

  it('refuses to start without sync authentication (exit 2, usage)', async () => {
    const r = await call(['--kubeconfig', '/nonexistent']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('operator needs sync authentication');
    expect(r.stderr).toContain('Usage: switchyard operator');
  });

  it.each([
    [['--lease-duration', 'ten'], '--lease-duration must be a duration'],
    [['--retry-period', '8s'], '--retry-period < --renew-deadline < --lease-duration'],
    [['--sync-auth', 'mtls'], '--sync-auth must be tokenreview'],
    [['--sync-allow', 'x'], '--sync-allow goes with --sync-auth tokenreview'],
    [['--sync-token-file', 'a', '--sync-auth', 'tokenreview'], 'choose one of'],
    [['--sync-token-secret', 'just-a-name'], 'NAMESPACE/NAME/KEY'],
    [['--sync-port', '70000'], '--sync-port must be a port number'],
  ])('usage error for %j', async (args, message) => {
    const r = await call([...args], { SWITCHYARD_SYNC_TOKEN: 'tok-0123456789' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('a missing kubeconfig is a startup error (exit 1) that names the file and not the token', async () => {
    const r = await call(['--kubeconfig', '/nonexistent/kubeconfig', '--log-level', 'silent'], { SWITCHYARD_SYNC_TOKEN: 'canary-token-0123456789' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('kubeconfig /nonexistent/kubeconfig does not exist');
    expect(r.stderr).not.toContain('canary-token');
  });

  it('identity: POD_NAME, else hostname-pid (unique per process)', () => {
    expect(defaultIdentity({ POD_NAME: 'switchyard-operator-7d9f-abcde' }, 'host', 1)).toBe('switchyard-operator-7d9f-abcde');
    expect(defaultIdentity({}, 'laptop', 4242)).toBe('laptop-4242');
  });

  it('the banner shows where it connects, what it watches and the lease', () => {
    const text = formatOperatorBanner({
      version: '1.2.3', server: 'https://10.0.0.1:443', source: 'in-cluster', leaseNamespace: 'switchyard', authDescription: 'TokenReview',
      syncUrl: 'http://127.0.0.1:8081', adminUrl: 'http://127.0.0.1:9091',
      s: { namespace: undefined, leaseName: 'switchyard-operator', identity: 'op-0', lease: { leaseDurationMs: 10_000, renewDeadlineMs: 7_000, retryPeriodMs: 2_000 } },
    });
    expect(text).toContain('Switchyard 1.2.3 — operator');
    expect(text).toContain('all namespaces');
    expect(text).toContain('switchyard/switchyard-operator as op-0');
    expect(text).toContain('http://127.0.0.1:8081/sync/v1');
  });
});
