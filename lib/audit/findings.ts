import { existsSync, readFileSync } from 'node:fs';

/**
 * What the independent validators report, and the repository's list of findings accepted with a
 * reason. A finding is accepted only by an entry naming the same tool, rule and resource: anything
 * else fails `npm run audit`.
 */

export const VALIDATOR_TOOLS = ['cfn-lint', 'checkov', 'asl-validator', 'iam-simulation'] as const;
export type ValidatorTool = (typeof VALIDATOR_TOOLS)[number];

export interface Finding {
  tool: ValidatorTool;
  /** The tool's rule id (cfn-lint W3005, checkov CKV_AWS_111, asl-validator's error code, the IAM decision). */
  rule: string;
  /** A template's logical id; for the IAM simulation, "<role construct path> <action> <resource ARN>". */
  resource: string;
  /** The tool's own words. */
  message: string;
}

export interface AcceptedFinding {
  tool: ValidatorTool;
  rule: string;
  resource: string;
  /** Why this finding is not a defect here. */
  reason: string;
}

export interface Verdict {
  /** Findings no entry accepts: each one fails the audit. */
  unaccepted: Finding[];
  accepted: { finding: Finding; reason: string }[];
  /** Entries that match no finding any more: the defect was fixed or the resource renamed; remove them. */
  stale: AcceptedFinding[];
  /** 0 when every finding is accepted, 1 otherwise. */
  exitCode: 0 | 1;
}

const key = (f: { tool: string; rule: string; resource: string }) => `${f.tool}\u0000${f.rule}\u0000${f.resource}`;

export function judge(findings: readonly Finding[], acceptedList: readonly AcceptedFinding[]): Verdict {
  const byKey = new Map(acceptedList.map((a) => [key(a), a]));
  const used = new Set<string>();
  const unaccepted: Finding[] = [];
  const accepted: Verdict['accepted'] = [];
  for (const f of findings) {
    const entry = byKey.get(key(f));
    if (entry) {
      used.add(key(f));
      accepted.push({ finding: f, reason: entry.reason });
    } else {
      unaccepted.push(f);
    }
  }
  const stale = acceptedList.filter((a) => !used.has(key(a)));
  return { unaccepted, accepted, stale, exitCode: unaccepted.length ? 1 : 0 };
}

export class AcceptedFindingsError extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'AcceptedFindingsError';
  }
}

/** Reads and checks the accepted-findings file: {"accepted": [{tool, rule, resource, reason}, ...]}. */
export function loadAcceptedFindings(file: string): AcceptedFinding[] {
  if (!existsSync(file)) throw new AcceptedFindingsError(file, 'does not exist');
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new AcceptedFindingsError(file, `is not JSON: ${(err as Error).message}`);
  }
  const list = (data as { accepted?: unknown })?.accepted;
  if (!Array.isArray(list)) throw new AcceptedFindingsError(file, 'must be an object with an "accepted" array');
  const seen = new Set<string>();
  return list.map((entry, i) => {
    const e = entry as Record<string, unknown>;
    const where = `accepted[${i}]`;
    if (!e || typeof e !== 'object') throw new AcceptedFindingsError(file, `${where} must be an object`);
    for (const field of ['tool', 'rule', 'resource', 'reason']) {
      if (typeof e[field] !== 'string' || (e[field] as string).trim() === '') {
        throw new AcceptedFindingsError(file, `${where}.${field} must be a non-empty string`);
      }
    }
    if (!(VALIDATOR_TOOLS as readonly string[]).includes(e.tool as string)) {
      throw new AcceptedFindingsError(file, `${where}.tool ${JSON.stringify(e.tool)} is not one of ${VALIDATOR_TOOLS.join(', ')}`);
    }
    if ((e.reason as string).trim().length < 20) {
      throw new AcceptedFindingsError(file, `${where}.reason is too short to say why ${e.rule} on ${e.resource} is acceptable`);
    }
    const unknown = Object.keys(e).filter((k) => !['tool', 'rule', 'resource', 'reason'].includes(k));
    if (unknown.length) throw new AcceptedFindingsError(file, `${where} has unknown field(s) ${unknown.join(', ')}`);
    const accepted = { tool: e.tool as ValidatorTool, rule: e.rule as string, resource: e.resource as string, reason: e.reason as string };
    if (seen.has(key(accepted))) throw new AcceptedFindingsError(file, `${where} repeats ${accepted.tool} ${accepted.rule} on ${accepted.resource}`);
    seen.add(key(accepted));
    return accepted;
  });
}
