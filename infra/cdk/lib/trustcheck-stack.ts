// trustcheck's stack in CDK: the same resources as infra/template.yaml (SAM). Where SAM takes
// CloudFormation parameters, this app takes CDK context (cdk.json), decided at synth time. The
// resources are the Trustcheck construct's (lib/trustcheck.ts), which other apps embed; this stack
// adds the outputs.

import { CfnOutput, Fn, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { Trustcheck, TrustcheckProps } from './trustcheck';

export type { ScheduleFrequency, Severity, TrustcheckProps } from './trustcheck';

export interface TrustcheckStackProps extends StackProps, TrustcheckProps {}

export class TrustcheckStack extends Stack {
  public readonly trustcheck: Trustcheck;

  constructor(scope: Construct, id: string, props: TrustcheckStackProps = {}) {
    super(scope, id, props);
    // The id 'Default' is left out of logical ids: the resources keep the ids they had when they
    // were the stack's own (a deployed stack updates in place; nothing is replaced).
    const trustcheck = new Trustcheck(this, 'Default', props);
    this.trustcheck = trustcheck;

    if (trustcheck.pagerFunction) {
      new CfnOutput(this, 'PagerFunctionArn', { value: trustcheck.pagerFunction.functionArn });
    }
    if (trustcheck.routingKeyChangesQueue) {
      new CfnOutput(this, 'RoutingKeyChangesQueueUrl', {
        description: 'Each change of the routing key\'s SSM parameter; delete a message once it is yours (routing-key-changed)',
        value: trustcheck.routingKeyChangesQueue.queueUrl,
      });
    }
    new CfnOutput(this, 'ConfigRuleName', { value: trustcheck.ruleName });
    new CfnOutput(this, 'ConfigRuleConsoleUrl', {
      value: Fn.sub('https://${AWS::Region}.console.aws.amazon.com/config/home?region=${AWS::Region}#/rules'),
    });
    new CfnOutput(this, 'EvaluatorFunctionArn', { value: trustcheck.evaluatorFunction.functionArn });
    new CfnOutput(this, 'EvaluatorRoleArn', { value: trustcheck.evaluatorRole.roleArn });
    new CfnOutput(this, 'NotifierFunctionArn', {
      description: 'The evaluator sends its notices here (asynchronous invocations)',
      value: trustcheck.notifierFunction.functionArn,
    });
    new CfnOutput(this, 'AlertsTableName', {
      description: 'The alerts ledger (which incidents are open, and on which route)',
      value: trustcheck.alertsTable.tableName,
    });
    new CfnOutput(this, 'PageTopicArn', { value: trustcheck.pageTopic.topicArn });
    new CfnOutput(this, 'NotifyTopicArn', { value: trustcheck.notifyTopic.topicArn });
    new CfnOutput(this, 'TopicKeyArn', { value: trustcheck.topicKey.keyArn });
    new CfnOutput(this, 'AlarmKeyArn', { value: trustcheck.alarmKey.keyArn });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: trustcheck.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'EvaluatorFailureQueueUrl', { value: trustcheck.evaluatorFailureQueue.queueUrl });
    new CfnOutput(this, 'AlarmTopicArn', { value: trustcheck.alarmTopic.topicArn });
  }
}
