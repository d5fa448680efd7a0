/**
 * A local AWS Lambda service that measures cold starts the way Lambda defines them: real runtime processes,
 * eager init timed to the first `GET /next`, REPORT lines, cgroup limits where the machine allows, and the
 * Lambda and CloudWatch Logs wire protocols for the AWS SDK. See README.md beside this file.
 */
export type { LocalFunctionDefinition } from './function-definition';
export type { LocalLambdaOptions } from './service';
export { LocalLambdaService, ACCOUNT_ID } from './service';
export type { LimitsMode, LimitsStatus } from './cgroups';
export type { ConfigurationUpdate, InvocationAnswer, InvocationRecord, InvokeOptions } from './local-function';
export { formatReportLine, billedDurationMs, bytesToReportedMB } from './report';
export { initFileMB, initFileMBByRequest, initPackageFileMB, initPackageFileMBByRequest, initRuntimeFileMB } from './init-footprint';
export type { InitFootprint } from './init-footprint';
export { sweepStaleLocalLambdaState } from './stale-state';
export type { StaleSweepOptions, StaleSweepResult } from './stale-state';
