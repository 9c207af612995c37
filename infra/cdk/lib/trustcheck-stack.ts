// trustcheck's stack in CDK: the same resources as infra/template.yaml (SAM). Where SAM takes
// CloudFormation parameters, this app takes CDK context (cdk.json), decided at synth time.

import * as path from 'node:path';
import { Aws, CfnOutput, Duration, Fn, Stack, StackProps } from 'aws-cdk-lib';
import * as config from 'aws-cdk-lib/aws-config';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { RustFunction } from 'cargo-lambda-cdk';
import { Construct } from 'constructs';

export type Severity = 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

export interface TrustcheckProps extends StackProps {
  /** The Config rule's name (organization mode: the organization rule's). */
  readonly ruleName: string;
  readonly scheduleFrequency: string;
  /** Rule parameters (SPEC "Rule parameters"). */
  readonly nonCompliantAt: Severity;
  readonly requireSourceAccount: 'true' | 'false';
  readonly exemptTagKey: string;
  /** Comma-separated ARN globs; empty for none. */
  readonly exemptRoleArnPatterns: string;
  /** A Config aggregator in this account and region that records functions in every region; empty for none. */
  readonly configAggregatorName: string;
  /** Comma-separated regions whose functions count; empty: every enabled region. */
  readonly functionRegions: string;
  /** Findings at or above this page; the rest go to the notify topic. */
  readonly pageAt: Severity;
  /** PagerDuty route 1: the pager function reads the routing key from this SSM SecureString. Empty: no pager. */
  readonly routingKeyParameterName: string;
  readonly pagerDutyEventsUrl: string;
  /** PagerDuty route 2: an "Amazon CloudWatch" integration URL subscribed over HTTPS. Empty: none. */
  readonly pagerDutyHttpsEndpoint: string;
  /** Organization mode (delegated administrator): the organization id; empty for a single account. */
  readonly organizationId: string;
  readonly memberRoleName: string;
  readonly logRetentionDays: logs.RetentionDays;
  /** The Cargo workspace's manifest (default: the repository's Cargo.toml). */
  readonly cargoManifest?: string;
}

/** Lambda may assume the role only on behalf of functions in this account (trustcheck's own rule). */
function lambdaExecutionRole(scope: Construct, id: string, description: string): iam.Role {
  return new iam.Role(scope, id, {
    description,
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com').withConditions({
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
    }),
  });
}

export class TrustcheckStack extends Stack {
  constructor(scope: Construct, id: string, props: TrustcheckProps) {
    super(scope, id, props);
    const organization = props.organizationId !== '';
    const manifestPath = props.cargoManifest ?? path.join(__dirname, '..', '..', '..', '..', 'Cargo.toml');
    // In organization mode the rule's name in member accounts is OrgConfigRule-<name>-<suffix>.
    const ruleNamePrefix = organization ? `OrgConfigRule-${props.ruleName}` : props.ruleName;
    const ruleParameters: Record<string, string> = {
      nonCompliantAt: props.nonCompliantAt,
      requireSourceAccount: props.requireSourceAccount,
      exemptTagKey: props.exemptTagKey,
      exemptRoleArnPatterns: props.exemptRoleArnPatterns,
      configAggregatorName: props.configAggregatorName,
      functionRegions: props.functionRegions,
    };
    const rust = (binary: string) => ({
      manifestPath,
      binaryName: binary,
      runtime: 'provided.al2023' as const,
      architecture: lambda.Architecture.ARM_64,
      loggingFormat: lambda.LoggingFormat.JSON,
      memorySize: 128,
      timeout: Duration.seconds(30),
    });
    // The roles are ours, so CDK adds no AWSLambdaBasicExecutionRole: each may write its own log group only.
    const logGroup = (id: string, fn: string, writer: iam.IRole) => {
      const group = new logs.LogGroup(this, id, {
        logGroupName: `/aws/lambda/${Aws.STACK_NAME}-${fn}`,
        retention: props.logRetentionDays,
      });
      group.grantWrite(writer);
      return group;
    };

    // ------------------------------------------------------------ dead letters, key, topics

    const deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });

    const notifierRole = lambdaExecutionRole(this, 'NotifierRole', 'trustcheck notifier (Config compliance changes to SNS pages)');

    const topicKey = new kms.Key(this, 'TopicKey', {
      description: 'trustcheck SNS topics (pages carry role names and findings)',
      enableKeyRotation: true,
      alias: `alias/${this.stackName}-topics`,
    });
    topicKey.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'NotifierPublishesEncrypted',
      principals: [notifierRole],
      actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      resources: ['*'],
      conditions: { StringEquals: { 'kms:ViaService': `sns.${Aws.REGION}.amazonaws.com` } },
    }));
    topicKey.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'SnsDeliversFromEncryptedTopics',
      principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
      actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
    }));

    const pageTopic = new sns.Topic(this, 'PageTopic', { displayName: 'trustcheck pages', masterKey: topicKey });
    const notifyTopic = new sns.Topic(this, 'NotifyTopic', {
      displayName: 'trustcheck findings below the paging threshold',
      masterKey: topicKey,
    });

    // ------------------------------------------------------------ the evaluator (the Config rule)

    const evaluatorRole = lambdaExecutionRole(this, 'EvaluatorRole', 'trustcheck evaluator (AWS Config custom rule)');
    evaluatorRole.addToPolicy(new iam.PolicyStatement({
      sid: 'ReadAndWriteEvaluations',
      // These Config, IAM and Lambda actions support no resource-level permissions.
      actions: [
        'config:PutEvaluations',
        'config:GetResourceConfigHistory',
        'config:SelectResourceConfig',
        'iam:ListRoles',
        'lambda:ListFunctions',
      ],
      resources: ['*'],
    }));
    evaluatorRole.addToPolicy(new iam.PolicyStatement({
      sid: 'PreviousResultsOfThisAccountsRules',
      actions: ['config:GetComplianceDetailsByConfigRule'],
      resources: [`arn:${Aws.PARTITION}:config:${Aws.REGION}:${Aws.ACCOUNT_ID}:config-rule/*`],
    }));
    // Roles are global, functions regional: which regions to list functions in.
    evaluatorRole.addToPolicy(new iam.PolicyStatement({
      sid: 'EnabledRegionsOfThisAccount',
      actions: ['account:ListRegions'],
      resources: [`arn:${Aws.PARTITION}:account::${Aws.ACCOUNT_ID}:account`],
    }));
    if (props.configAggregatorName !== '') {
      evaluatorRole.addToPolicy(new iam.PolicyStatement({
        sid: 'FunctionsOfEveryRegionFromTheAggregator',
        actions: ['config:SelectAggregateResourceConfig'],
        resources: [`arn:${Aws.PARTITION}:config:${Aws.REGION}:${Aws.ACCOUNT_ID}:config-aggregator/*`],
      }));
    }
    if (organization) {
      evaluatorRole.addToPolicy(new iam.PolicyStatement({
        sid: 'ActInMemberAccounts',
        actions: ['sts:AssumeRole'],
        resources: [`arn:${Aws.PARTITION}:iam::*:role/${props.memberRoleName}`],
        conditions: { StringEquals: { 'aws:ResourceOrgID': props.organizationId } },
      }));
    }

    const evaluator = new RustFunction(this, 'EvaluatorFunction', {
      ...rust('evaluator'),
      description: 'trustcheck Config rule, IAM role trust policies',
      role: evaluatorRole,
      memorySize: 256,
      timeout: Duration.seconds(300),
      logGroup: logGroup('EvaluatorLogGroup', 'evaluator', evaluatorRole),
      environment: {
        RULE_PARAMETERS: organization ? JSON.stringify({ executionRoleName: props.memberRoleName }) : '{}',
      },
    });

    // A sweep near its deadline hands the rest of the account to a new invocation of itself. A
    // policy of its own: in the role's default policy it would make the function depend on itself.
    new iam.Policy(this, 'EvaluatorRoleContinuesItsSweep', {
      roles: [evaluatorRole],
      statements: [new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [evaluator.functionArn] })],
    });

    const configInvokes = new lambda.CfnPermission(this, 'ConfigInvokesEvaluator', {
      action: 'lambda:InvokeFunction',
      functionName: evaluator.functionArn,
      principal: 'config.amazonaws.com',
      sourceAccount: Aws.ACCOUNT_ID,
    });

    const triggers = [
      'ConfigurationItemChangeNotification',
      'OversizedConfigurationItemChangeNotification',
      'ScheduledNotification',
    ];
    if (!organization) {
      const rule = new config.CfnConfigRule(this, 'ConfigRule', {
        configRuleName: props.ruleName,
        description:
          'IAM role trust policies: Lambda execution roles Lambda can\'t assume, public or unconditioned ' +
          'cross-account trust, unscoped OIDC, confused-deputy gaps (trustcheck).',
        // The Scope applies to the change triggers; see the comment in infra/template.yaml.
        scope: { complianceResourceTypes: ['AWS::IAM::Role'] },
        inputParameters: ruleParameters,
        source: {
          owner: 'CUSTOM_LAMBDA',
          sourceIdentifier: evaluator.functionArn,
          sourceDetails: triggers.map((messageType) => ({
            eventSource: 'aws.config',
            messageType,
            ...(messageType === 'ScheduledNotification' ? { maximumExecutionFrequency: props.scheduleFrequency } : {}),
          })),
        },
      });
      rule.addResourceDependency(configInvokes);
    } else {
      // No rule here: infra/org/organization-rule.yaml creates the organization rule last, once the
      // member roles and the per-account invoke permissions exist (docs/deploy.md).
      new events.CfnEventBusPolicy(this, 'OrganizationEventBusPolicy', {
        statementId: `${this.stackName}-member-compliance-changes`,
        statement: {
          Effect: 'Allow',
          Principal: '*',
          Action: 'events:PutEvents',
          Resource: `arn:${Aws.PARTITION}:events:${Aws.REGION}:${Aws.ACCOUNT_ID}:event-bus/default`,
          Condition: { StringEquals: { 'aws:PrincipalOrgID': props.organizationId } },
        },
      });
    }

    // ------------------------------------------------------------ the notifier

    notifierRole.addToPolicy(new iam.PolicyStatement({
      sid: 'NameTheRoleInThePage',
      actions: ['config:GetResourceConfigHistory'],
      resources: ['*'],
    }));
    const notifier = new RustFunction(this, 'NotifierFunction', {
      ...rust('notifier'),
      description: 'trustcheck compliance changes to PagerDuty-ready SNS pages',
      role: notifierRole,
      logGroup: logGroup('NotifierLogGroup', 'notifier', notifierRole),
      deadLetterQueue,
      environment: {
        RULE_NAME_PREFIX: ruleNamePrefix,
        PAGE_TOPIC_ARN: pageTopic.topicArn,
        NOTIFY_TOPIC_ARN: notifyTopic.topicArn,
        PAGE_AT: props.pageAt,
      },
    });
    pageTopic.grantPublish(notifier);
    notifyTopic.grantPublish(notifier);

    new events.Rule(this, 'ComplianceChangeRule', {
      description: 'Compliance changes of trustcheck\'s Config rule',
      eventPattern: {
        source: ['aws.config'],
        detailType: ['Config Rules Compliance Change'],
        detail: {
          messageType: ['ComplianceChangeNotification'],
          configRuleName: events.Match.prefix(ruleNamePrefix),
        },
      },
      targets: [new targets.LambdaFunction(notifier, {
        retryAttempts: 185,
        maxEventAge: Duration.hours(24),
        deadLetterQueue,
      })],
    });

    // ------------------------------------------------------------ the pager and the PagerDuty routes

    if (props.routingKeyParameterName !== '') {
      const parameterArn =
        `arn:${Aws.PARTITION}:ssm:${Aws.REGION}:${Aws.ACCOUNT_ID}:parameter${props.routingKeyParameterName}`;
      const pagerRole = lambdaExecutionRole(this, 'PagerRole', 'trustcheck pager (SNS pages to PagerDuty)');
      pagerRole.addToPolicy(new iam.PolicyStatement({
        sid: 'ReadTheRoutingKey',
        actions: ['ssm:GetParameter'],
        resources: [parameterArn],
      }));
      pagerRole.addToPolicy(new iam.PolicyStatement({
        sid: 'DecryptTheRoutingKey',
        actions: ['kms:Decrypt'],
        resources: [`arn:${Aws.PARTITION}:kms:${Aws.REGION}:${Aws.ACCOUNT_ID}:key/*`],
        conditions: {
          StringEquals: {
            'kms:ViaService': `ssm.${Aws.REGION}.amazonaws.com`,
            'kms:EncryptionContext:PARAMETER_ARN': parameterArn,
          },
        },
      }));
      const pager = new RustFunction(this, 'PagerFunction', {
        ...rust('pager'),
        description: 'trustcheck SNS pages to the PagerDuty Events API v2',
        role: pagerRole,
        timeout: Duration.seconds(90),
        logGroup: logGroup('PagerLogGroup', 'pager', pagerRole),
        deadLetterQueue,
        environment: {
          ROUTING_KEY_PARAMETER: props.routingKeyParameterName,
          PAGERDUTY_EVENTS_URL: props.pagerDutyEventsUrl,
        },
      });
      pageTopic.addSubscription(new subscriptions.LambdaSubscription(pager, { deadLetterQueue }));
      new CfnOutput(this, 'PagerFunctionArn', { value: pager.functionArn });
    }
    if (props.pagerDutyHttpsEndpoint !== '') {
      pageTopic.addSubscription(new subscriptions.UrlSubscription(props.pagerDutyHttpsEndpoint, {
        protocol: sns.SubscriptionProtocol.HTTPS,
        deadLetterQueue,
      }));
    }

    // ------------------------------------------------------------ outputs

    new CfnOutput(this, 'ConfigRuleName', { value: props.ruleName });
    new CfnOutput(this, 'ConfigRuleConsoleUrl', {
      value: Fn.sub('https://${AWS::Region}.console.aws.amazon.com/config/home?region=${AWS::Region}#/rules'),
    });
    new CfnOutput(this, 'EvaluatorFunctionArn', { value: evaluator.functionArn });
    new CfnOutput(this, 'EvaluatorRoleArn', { value: evaluatorRole.roleArn });
    new CfnOutput(this, 'NotifierFunctionArn', { value: notifier.functionArn });
    new CfnOutput(this, 'PageTopicArn', { value: pageTopic.topicArn });
    new CfnOutput(this, 'NotifyTopicArn', { value: notifyTopic.topicArn });
    new CfnOutput(this, 'TopicKeyArn', { value: topicKey.keyArn });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: deadLetterQueue.queueUrl });
  }
}
