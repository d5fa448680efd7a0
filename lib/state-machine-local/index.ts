/** Running the synthesized benchmark state machine on this machine, against the local Lambda service. */
export { runStateMachineLocally, type LocalRunOptions, type LocalRunResult, type LocalRunProgress } from './run';
export { extractStateMachine, bindTasks, resolveIntrinsic, DefinitionError, type CfnTemplate, type AslDefinition } from './definition';
