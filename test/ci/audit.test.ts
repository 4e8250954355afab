import { describe, expect, it } from 'vitest';
import { auditVerdict, exitCodeFor } from '../../scripts/audit.ts';

/** A report in npm 10's `npm audit --json` shape (auditReportVersion 2). */
function report(vulnerabilities: Record<string, { severity: string }>): string {
  const counts = { info: 0, low: 0, moderate: 0, high: 0, critical: 0, total: 0 };
  for (const v of Object.values(vulnerabilities)) {
    counts[v.severity as keyof typeof counts] += 1;
    counts.total += 1;
  }
  return JSON.stringify({
    auditReportVersion: 2,
    vulnerabilities: Object.fromEntries(
      Object.entries(vulnerabilities).map(([name, v]) => [
        name,
        { name, severity: v.severity, isDirect: true, via: [], fixAvailable: true },
      ]),
    ),
    metadata: { vulnerabilities: counts, dependencies: { prod: 10, total: 10 } },
  });
}

describe('npm audit verdict', () => {
  it('passes a report with only low and moderate advisories', () => {
    const verdict = auditVerdict(report({ a: { severity: 'low' }, b: { severity: 'moderate' } }));
    expect(verdict.kind).toBe('clean');
    expect(exitCodeFor(verdict, true)).toBe(0);
  });

  it('fails on a high or a critical advisory and names the package', () => {
    for (const severity of ['high', 'critical']) {
      const verdict = auditVerdict(report({ ok: { severity: 'low' }, bad: { severity } }));
      expect(verdict).toMatchObject({ kind: 'vulnerable', packages: [`bad (${severity})`] });
      expect(exitCodeFor(verdict, false)).toBe(1);
    }
  });

  it('reports an unreachable advisories endpoint as unaudited, failing only when required', () => {
    // What npm prints here: the registry proxy refuses the bulk advisories endpoint.
    const refused = JSON.stringify({
      message:
        '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk',
      statusCode: 405,
      error: { summary: '', detail: '' },
    });
    const verdict = auditVerdict(refused);
    expect(verdict).toMatchObject({ kind: 'unavailable', reason: expect.stringContaining('405') });
    expect(exitCodeFor(verdict, false)).toBe(0);
    expect(exitCodeFor(verdict, true)).toBe(2);
    expect(auditVerdict('npm ERR! something').kind).toBe('unavailable');
  });
});
