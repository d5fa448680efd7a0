import { Validations, type CfnResource } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { cleanUpSynths, synth, type Synthesized } from './helpers';

/**
 * cdk-nag's AwsSolutions pack on the stack: nothing is left unacknowledged, and nothing is
 * acknowledged that the pack would not report, so every acknowledgement in the template is one an
 * auditor has to read, with its reason.
 */
let s: Synthesized;
beforeAll(() => {
  s = synth();
}, 120_000);
afterAll(cleanUpSynths);

interface Finding {
  rule: string;
  path: string;
}

function findings(scope: IConstruct, ignoreAcknowledgements: boolean): Finding[] {
  const pack = new AwsSolutionsChecks();
  if (ignoreAcknowledgements) {
    // What the pack reports before acknowledgements are applied.
    (pack as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
  }
  const report = pack.validateScope(scope);
  return report.violations.flatMap((v) => v.violatingResources.map((r) => ({ rule: v.ruleName, path: r.constructPath ?? '?' })));
}

interface Ack {
  rule: string;
  reason: string;
  /** The construct the acknowledgement was made on. */
  path: string;
  scope: IConstruct;
}

function acknowledgements(root: IConstruct): Ack[] {
  const out: Ack[] = [];
  for (const c of root.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
      for (const [key, reason] of Object.entries(entry.data as Record<string, unknown>)) {
        const rule = key.replace(/^annotation::/i, '');
        const text = typeof reason === 'string' ? reason : (reason as { reason?: string })?.reason ?? JSON.stringify(reason);
        out.push({ rule, reason: text, path: c.node.path, scope: c });
      }
    }
  }
  return out;
}

test('the synth passes cdk-nag: no finding is left unacknowledged', () => {
  expect(findings(s.app, false)).toEqual([]);
});

test('every finding the pack reports is acknowledged on that resource (or a parent of it) and nowhere else', () => {
  const raw = findings(s.app, true);
  expect(raw.length).toBeGreaterThan(0);
  const acks = acknowledgements(s.app);
  for (const f of raw) {
    const covering = acks.filter((a) => a.rule === f.rule && (f.path === a.path || f.path.startsWith(`${a.path}/`)));
    expect([f, covering.length]).toEqual([f, 1]);
  }
});

test('every acknowledgement answers a finding the pack really reports (none is stale)', () => {
  const raw = findings(s.app, true);
  const stale = acknowledgements(s.app).filter((a) => !raw.some((f) => f.rule === a.rule && (f.path === a.path || f.path.startsWith(`${a.path}/`))));
  expect(stale.map((a) => `${a.rule} on ${a.path}`)).toEqual([]);
});

test('every acknowledgement names one rule and one finding, on a resource, with a reason of substance', () => {
  const acks = acknowledgements(s.app);
  expect(acks.length).toBeGreaterThan(0);
  for (const a of acks) {
    expect(a.rule).toMatch(/^AwsSolutions-[A-Z]+\d+(\[[^\]]+\])?$/);
    expect(a.reason.length).toBeGreaterThan(60);
    // On a resource, a policy or a bucket: never on the stack or the app as a blanket.
    expect(a.scope).not.toBe(s.app);
    expect(a.scope).not.toBe(s.stack);
    const cfn = a.scope.node.findAll().filter((c) => (c as CfnResource).cfnResourceType !== undefined);
    expect(cfn.length).toBeGreaterThan(0);
    expect(cfn.length).toBeLessThanOrEqual(2);
  }
});

test('the acknowledgements are written into the template, where the audit reads them', () => {
  const inTemplate = Object.values(s.json.Resources as Record<string, any>).flatMap((r) => (r.Metadata?.cdk_nag?.rules_to_suppress ?? []) as { id: string }[]);
  const fromTree = new Set(acknowledgements(s.app).map((a) => a.rule));
  expect(new Set(inTemplate.map((r) => r.id))).toEqual(fromTree);
});
