import { AWS_CALLS as AGGREGATE } from './aggregate';
import type { AwsCall } from './aws-call';
import { AWS_CALLS as COLLECT } from './collect';
import { AWS_CALLS as TRIGGER } from './deploy-trigger';
import { AWS_CALLS as MEASURE } from './measure';
import { AWS_CALLS as PREPARE } from './prepare';
import { AWS_CALLS as RECORD_FAILURE } from './record-failure';

/**
 * The AWS requests of every Lambda handler of lib/handlers/lambda/index.ts, by exported handler
 * name (the function's Handler is `index.<name>`). Each list lives in the module that makes the calls.
 */
export const HANDLER_AWS_CALLS: { readonly [handler: string]: readonly AwsCall[] } = {
  ...PREPARE,
  ...MEASURE,
  ...COLLECT,
  ...AGGREGATE,
  ...RECORD_FAILURE,
  ...TRIGGER,
};
