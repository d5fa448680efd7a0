/**
 * Errors in the shapes the AWS SDK decodes into its exception classes.
 *
 * Lambda (restJson1): status code, header `x-amzn-ErrorType: <Code>`, JSON body with `Type` and the message
 * member under the name the service model gives it (`Message` for some exceptions, `message` for others).
 * CloudWatch Logs (awsJson1_1): status 400, body `{"__type": "<Code>", "message": "..."}`.
 */

export type LambdaErrorCode =
  | 'ResourceNotFoundException'
  | 'ResourceConflictException'
  | 'RequestTooLargeException'
  | 'RequestEntityTooLargeException'
  | 'InvalidParameterValueException'
  | 'InvalidRequestContentException'
  | 'PreconditionFailedException'
  | 'TooManyRequestsException'
  | 'UnsupportedMediaTypeException'
  | 'UnknownOperationException'
  | 'ValidationException'
  | 'ServiceException';

const LAMBDA_ERRORS: Record<LambdaErrorCode, { status: number; messageKey: 'Message' | 'message'; type?: string }> = {
  ResourceNotFoundException: { status: 404, messageKey: 'Message', type: 'User' },
  ResourceConflictException: { status: 409, messageKey: 'message', type: 'User' },
  RequestTooLargeException: { status: 413, messageKey: 'message', type: 'User' },
  // Not in the SDK's service model, but what Lambda's front end answers to an Invoke body over its limit
  // (status 413, "Request must be smaller than 6291456 bytes for the InvokeFunction operation"); the SDK
  // raises it as a generic LambdaServiceException whose name is this code. See lambda-api.ts.
  RequestEntityTooLargeException: { status: 413, messageKey: 'message', type: 'User' },
  InvalidParameterValueException: { status: 400, messageKey: 'message', type: 'User' },
  InvalidRequestContentException: { status: 400, messageKey: 'message', type: 'User' },
  PreconditionFailedException: { status: 412, messageKey: 'message', type: 'User' },
  TooManyRequestsException: { status: 429, messageKey: 'message', type: 'User' },
  UnsupportedMediaTypeException: { status: 415, messageKey: 'message', type: 'User' },
  UnknownOperationException: { status: 400, messageKey: 'message' },
  // Not in the service model either: AWS's request validation answers a member that breaks the model's
  // constraints with it, body {"message": ...} without Type (request-constraints.ts has the sources).
  ValidationException: { status: 400, messageKey: 'message' },
  ServiceException: { status: 500, messageKey: 'Message', type: 'Service' },
};

export class LambdaApiError extends Error {
  constructor(
    readonly code: LambdaErrorCode,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }

  get status(): number {
    return LAMBDA_ERRORS[this.code].status;
  }

  body(): Record<string, unknown> {
    const shape = LAMBDA_ERRORS[this.code];
    const body: Record<string, unknown> = { ...this.extra, [shape.messageKey]: this.message };
    if (shape.type) body.Type = shape.type;
    return body;
  }
}

export type LogsErrorCode = 'ResourceNotFoundException' | 'InvalidParameterException' | 'UnknownOperationException' | 'SerializationException' | 'ServiceUnavailableException';

export function logsErrorBody(code: LogsErrorCode, message: string): Record<string, unknown> {
  return { __type: code, message };
}
