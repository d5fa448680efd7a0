import { CustomResource, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { TRIGGER_ATTRIBUTES, type TriggerData } from '../handlers/deploy-trigger';
import { stackLogGroup } from './log-group';
import { acknowledge, acknowledgeWildcardOnArn, defaultPolicyOf, logicalIdOf } from './nag';
import { TaskFunction } from './task-function';

export interface DeployTriggerProps {
  stateMachine: sfn.StateMachine;
  bucket: s3.IBucket;
  /** How long a deployment waits for the run before it reports it as still running. */
  waitMinutes: number;
  /**
   * What a new run is due for: a change of any value starts one (CloudFormation calls Update only
   * when a property changed). The functions' code locations and the settings' hash go here.
   */
  runWhenChanged: Record<string, string>;
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
    // DescribeExecution on this state machine's executions only.
    const executions = Stack.of(this).formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${props.stateMachine.stateMachineName}:*`,
      arnFormat: 'colon-resource-name' as never,
    });
    isComplete.role.addToPolicy(new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executions] }));

    // The provider framework's own functions and waiter state machine get explicit log groups too.
    const frameworkLogs = stackLogGroup(this, 'ProviderLogGroup', props.logRetentionDays);
    const waiterLogs = stackLogGroup(this, 'WaiterLogGroup', props.logRetentionDays);
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
      queryInterval: Duration.seconds(30),
      // The provider gives up a few minutes after the handler stops waiting: the handler's own
      // deadline answers first, so this one only fires if something is broken.
      totalTimeout: Duration.minutes(props.waitMinutes + 5),
      logGroup: frameworkLogs,
      disableWaiterStateMachineLogging: false,
      waiterStateMachineLogOptions: { destination: waiterLogs, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    this.resource = new CustomResource(this, 'Run', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::BenchmarkRun',
      properties: props.runWhenChanged,
    });
    this.acknowledgeFindings(provider, isComplete, [frameworkOnEventRole, frameworkCompleteAndTimeoutRole], [onEvent.function, isComplete.function]);
  }

  attribute(name: keyof TriggerData): string {
    if (!(TRIGGER_ATTRIBUTES as readonly string[]).includes(name)) throw new Error(`no trigger attribute ${name}`);
    return this.resource.getAttString(name);
  }

  private acknowledgeFindings(provider: cr.Provider, isComplete: TaskFunction, frameworkRoles: iam.Role[], userFunctions: lambda.IFunction[]): void {
    acknowledge(
      defaultPolicyOf(isComplete.role),
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution/<${logicalIdOf(this.stateMachine)}.Name>:*]`,
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
