import type { Finding } from './findings';
import { TemplateValues } from './template-values';

/**
 * asl-validator (npm, an Amazon States Language validator: JSON schema of every state type, transition
 * targets, terminal states, paths, Task resource ARNs) on every state machine definition in a
 * synthesized template: the benchmark's and the provider framework's waiter. Definitions are read
 * from DefinitionString with the intrinsic functions resolved to placeholder ARNs (template-values.ts),
 * as CloudFormation would hand them to Step Functions.
 */

interface AslValidationResult {
  isValid: boolean;
  errors: { 'Error code': string; Message?: string; message?: string; params?: unknown; instancePath?: string }[];
}
// The package ships no type declarations for its entry point.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const validateAsl = require('asl-validator') as (definition: unknown, options: { checkPaths: boolean; checkArn: boolean }) => AslValidationResult;

export interface StateMachineDefinition {
  logicalId: string;
  definition: unknown;
}

export function stateMachineDefinitions(template: { Resources: Record<string, { Type: string; Properties?: Record<string, any> }> }): StateMachineDefinition[] {
  const values = new TemplateValues(template);
  const out: StateMachineDefinition[] = [];
  for (const [logicalId, r] of Object.entries(template.Resources)) {
    if (r.Type !== 'AWS::StepFunctions::StateMachine') continue;
    const props = r.Properties ?? {};
    if (props.Definition !== undefined) {
      out.push({ logicalId, definition: values.resolve(props.Definition) });
    } else if (props.DefinitionString !== undefined) {
      const text = values.text(props.DefinitionString, `${logicalId}.DefinitionString`);
      try {
        out.push({ logicalId, definition: JSON.parse(text) });
      } catch (err) {
        throw new Error(`the definition of ${logicalId} is not JSON once resolved: ${(err as Error).message}`);
      }
    } else {
      throw new Error(`${logicalId} has neither Definition nor DefinitionString (DefinitionS3Location cannot be checked here)`);
    }
  }
  return out;
}

export function validateStateMachines(template: Parameters<typeof stateMachineDefinitions>[0]): { findings: Finding[]; checked: string[] } {
  const findings: Finding[] = [];
  const machines = stateMachineDefinitions(template);
  for (const { logicalId, definition } of machines) {
    const result = validateAsl(definition, { checkPaths: true, checkArn: true });
    for (const e of result.errors) {
      const detail = e.Message ?? e.message ?? '';
      findings.push({ tool: 'asl-validator', rule: e['Error code'], resource: logicalId, message: `${e.instancePath ? `${e.instancePath}: ` : ''}${detail}`.trim() || e['Error code'] });
    }
  }
  return { findings, checked: machines.map((m) => m.logicalId) };
}
