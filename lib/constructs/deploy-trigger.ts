import { ArnFormat, CustomResource, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { TRIGGER_ATTRIBUTES, type TriggerData } from '../handlers/deploy-trigger';
import { stackLogGroup, vendedLogGroupName } from './log-group';
import { acknowledge, acknowledgeWildcardOnArn, defaultPolicyOf, logicalIdOf } from './nag';
import { TaskFunction } from './task-function';
import { DEPLOY_PROVIDER_MARGIN_MINUTES, DEPLOY_QUERY_INTERVAL_SECONDS } from '../plan/state-machine-pacing';

/** What a state machine's role needs for CloudWatch Logs log delivery (narrowWaiterPolicy cites the sources). */
export const STATE_MACHINE_LOG_DELIVERY_ACTIONS = [
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
] as const;

export interface DeployTriggerProps {
  stateMachine: sfn.StateMachine;
  bucket: s3.IBucket;
  /** How long a deployment waits for the run before it reports it as still running. */
  waitMinutes: number;
  /**
   * What a new run is due for: a change of any value starts one (CloudFormation calls Update only
   * when a property changed). The functions' code locations (a map, key to code) and the settings' hash go here.
   */
  runWhenChanged: Record<string, string | Record<string, string>>;
  logRetentionDays: number;
  handlerEntry: string;
  projectRoot: string;
}

/**
 * Runs the benchmark when the stack is created, and again when a benchmarked function's code or the
 * benchmark settings change; waits for it (bounded) and exposes the outcome as attributes for the
 * stack outputs. Delete does nothing: removing the stack never waits on a run or fails because of one.
 */
export class DeployTrigger extends Construct {
  readonly resource: CustomResource;
  private readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: DeployTriggerProps) {
    super(scope, id);
    this.stateMachine = props.stateMachine;
    const waitMs = props.waitMinutes * 60_000;
    const environment = {
      STATE_MACHINE_ARN: props.stateMachine.stateMachineArn,
      RESULTS_BUCKET: props.bucket.bucketName,
      DEPLOY_WAIT_MS: String(waitMs),
    };
    const onEvent = new TaskFunction(this, 'OnEvent', {
      entry: props.handlerEntry,
      projectRoot: props.projectRoot,
      handler: 'triggerOnEvent',
      description: 'Starts a benchmark run when the stack is created or its functions or settings change',
      timeout: Duration.minutes(1),
      environment,
      logRetentionDays: props.logRetentionDays,
    });
    props.stateMachine.grantStartExecution(onEvent.role);
    const isComplete = new TaskFunction(this, 'IsComplete', {
      entry: props.handlerEntry,
      projectRoot: props.projectRoot,
      handler: 'triggerIsComplete',
      description: 'Reports whether the benchmark run started by the deployment has finished',
      timeout: Duration.minutes(1),
      environment,
      logRetentionDays: props.logRetentionDays,
    });
    // DescribeExecution on this state machine's executions only. Execution ARNs are
    // arn:<partition>:states:<region>:<account>:execution:<state machine name>:<execution name>,
    // colons throughout (Step Functions API reference, DescribeExecution; CDK's own grantRead renders
    // the same form), hence COLON_RESOURCE_NAME.
    const executions = Stack.of(this).formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${props.stateMachine.stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    isComplete.role.addToPolicy(new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executions] }));

    // The provider framework's own functions and waiter state machine get explicit log groups too.
    const frameworkLogs = stackLogGroup(this, 'ProviderLogGroup', props.logRetentionDays);
    const waiterLogs = stackLogGroup(this, 'WaiterLogGroup', props.logRetentionDays, vendedLogGroupName(`${Stack.of(this).stackName}-deploy-waiter`));
    // Roles of the framework's functions: their log group and what the framework grants itself, no managed policy.
    const frameworkRole = (roleId: string, what: string) => {
      const role = new iam.Role(this, roleId, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: `Provider framework ${what}` });
      frameworkLogs.grantWrite(role);
      return role;
    };
    const frameworkOnEventRole = frameworkRole('FrameworkOnEventRole', 'onEvent function');
    const frameworkCompleteAndTimeoutRole = frameworkRole('FrameworkWaiterRole', 'isComplete and onTimeout functions');
    const provider = new cr.Provider(this, 'Provider', {
      frameworkOnEventRole,
      frameworkCompleteAndTimeoutRole,
      onEventHandler: onEvent.function,
      isCompleteHandler: isComplete.function,
      queryInterval: Duration.seconds(DEPLOY_QUERY_INTERVAL_SECONDS),
      // The provider gives up a few minutes after the handler stops waiting: the handler's own
      // deadline answers first, so this one only fires if something is broken.
      totalTimeout: Duration.minutes(props.waitMinutes + DEPLOY_PROVIDER_MARGIN_MINUTES),
      logGroup: frameworkLogs,
      disableWaiterStateMachineLogging: false,
      waiterStateMachineLogOptions: { destination: waiterLogs, level: sfn.LogLevel.ALL, includeExecutionData: false },
      // The framework logs each request and its outcome with console.log (ResponseURL redacted):
      // INFO keeps those lines, the CDK's default FATAL drops them all.
      frameworkLambdaLoggingLevel: lambda.ApplicationLogLevel.INFO,
    });
    this.narrowWaiterPolicy(provider);
    this.resource = new CustomResource(this, 'Run', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::BenchmarkRun',
      properties: props.runWhenChanged,
    });
    this.acknowledgeFindings(provider, isComplete, [frameworkOnEventRole, frameworkCompleteAndTimeoutRole], [onEvent.function, isComplete.function]);
  }

  /**
   * The CDK gives the provider's waiter state machine logs:CreateLogStream and logs:PutLogEvents on
   * "*" next to the log delivery actions. A state machine's logs are delivered by CloudWatch Logs'
   * delivery service under the log group's resource policy, not with the state machine's role:
   * what the role needs is logs:CreateLogDelivery, logs:PutResourcePolicy,
   * logs:DescribeResourcePolicies and logs:DescribeLogGroups to set the delivery up (CloudWatch Logs
   * user guide, "Logs sent to CloudWatch Logs", V1 permissions) and Get/Update/Delete/ListLogDeliveries
   * to change or remove it (Step Functions developer guide, "IAM policies for logging to CloudWatch
   * Logs"); those support no resource-level permissions, so "*". The role's policy is replaced by
   * exactly that plus invoking the framework's own two functions.
   */
  private narrowWaiterPolicy(provider: cr.Provider): void {
    const waiter = provider.node.findChild('waiter-state-machine');
    const policy = defaultPolicyOf(waiter.node.findChild('Role')).node.defaultChild as iam.CfnPolicy;
    const invoked = ['framework-isComplete', 'framework-onTimeout'].map((id) => provider.node.findChild(id) as lambda.IFunction);
    const document = new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: invoked.flatMap((fn) => [fn.functionArn, `${fn.functionArn}:*`]),
        }),
        new iam.PolicyStatement({ actions: [...STATE_MACHINE_LOG_DELIVERY_ACTIONS], resources: ['*'] }),
      ],
    });
    policy.addPropertyOverride('PolicyDocument', document);
  }

  /** The state machine's name as cdk-nag writes it: the name itself, or `<LogicalId.Name>` for a generated one. */
  private renderedStateMachineName(): string {
    const name: unknown = Stack.of(this).resolve(this.stateMachine.stateMachineName);
    return typeof name === 'string' ? name : `<${logicalIdOf(this.stateMachine)}.Name>`;
  }

  attribute(name: keyof TriggerData): string {
    if (!(TRIGGER_ATTRIBUTES as readonly string[]).includes(name)) throw new Error(`no trigger attribute ${name}`);
    return this.resource.getAttString(name);
  }

  private acknowledgeFindings(provider: cr.Provider, isComplete: TaskFunction, frameworkRoles: iam.Role[], userFunctions: lambda.IFunction[]): void {
    acknowledge(
      defaultPolicyOf(isComplete.role),
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${this.renderedStateMachineName()}:*]`,
      'DescribeExecution on the executions of the benchmark state machine only; execution names are chosen at run time.',
    );
    for (const role of frameworkRoles) {
      for (const fn of userFunctions) {
        acknowledgeWildcardOnArn(
          defaultPolicyOf(role),
          fn,
          ':*',
          'The provider framework (CDK) grants invoke on the trigger\'s own handler function and its versions (ARN:*); nothing else.',
        );
      }
    }
    const waiter = provider.node.findChild('waiter-state-machine');
    const waiterPolicy = defaultPolicyOf(waiter.node.findChild('Role'));
    for (const id of ['framework-isComplete', 'framework-onTimeout']) {
      acknowledgeWildcardOnArn(
        waiterPolicy,
        provider.node.findChild(id),
        ':*',
        'The provider framework\'s waiter state machine (CDK) invokes its own isComplete and onTimeout functions and their versions (ARN:*); nothing else.',
      );
    }
    acknowledge(
      waiterPolicy,
      'AwsSolutions-IAM5[Resource::*]',
      'CloudWatch Logs log delivery (CreateLogDelivery and related), which the waiter state machine needs to log to its log group, does not support resource-level permissions.',
    );
    acknowledge(
      waiter.node.findChild('Resource'),
      'AwsSolutions-SF2',
      'The provider framework\'s waiter state machine (CDK) offers no tracing option; it only polls isComplete. The benchmark state machine itself is traced with X-Ray.',
    );
  }
}
