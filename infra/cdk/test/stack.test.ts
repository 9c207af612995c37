// Assertions on the synthesized stack (node's test runner; `npm test`). Bundling is skipped: no
// Rust build, no Docker, no network.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { TRUSTCHECK_DEFAULTS } from '../lib';
import { TrustcheckProps, TrustcheckStack } from '../lib/trustcheck-stack';

// The construct's defaults (construct.test.ts holds them equal to cdk.json and the SAM template),
// with the opt-out from an alarm route, which the defaults lack (the construct refuses them): the
// tests below see no alarm subscription unless they give one.
const DEFAULTS: TrustcheckProps = { ...TRUSTCHECK_DEFAULTS, alarmTopicSubscribedElsewhere: 'true', pageTopicSubscribedElsewhere: 'true' };

function synth(overrides: Partial<TrustcheckProps> = {}): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new TrustcheckStack(app, 'Trustcheck', { ...DEFAULTS, ...overrides });
  return Template.fromStack(stack);
}

type Statement = { Effect: string; Action: string | string[]; Resource?: unknown; Condition?: unknown; Principal?: unknown };
const actions = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);

/** Every statement of the identity policies attached to a role (inline and AWS::IAM::Policy). */
function statementsOf(template: Template, roleLogicalIdPrefix: string): Statement[] {
  const statements: Statement[] = [];
  for (const [id, policy] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
    if (id.startsWith(roleLogicalIdPrefix)) {
      statements.push(...(policy as any).Properties.PolicyDocument.Statement);
    }
  }
  return statements;
}

const LAMBDA_TRUST = {
  Version: '2012-10-17',
  Statement: [{
    Effect: 'Allow',
    Principal: { Service: 'lambda.amazonaws.com' },
    Action: 'sts:AssumeRole',
    Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
  }],
};

test('three Rust functions on provided.al2023, arm64, JSON logs with retention', () => {
  const template = synth();
  template.resourceCountIs('AWS::Lambda::Function', 3);
  template.allResourcesProperties('AWS::Lambda::Function', {
    Runtime: 'provided.al2023',
    Architectures: ['arm64'],
    Handler: 'bootstrap',
    LoggingConfig: { LogFormat: 'JSON', LogGroup: Match.anyValue() },
  });
  template.hasResourceProperties('AWS::Lambda::Function', {
    Description: Match.stringLikeRegexp('Config rule'),
    MemorySize: 256,
    Timeout: 300,
    // The rule's parameters as deployed, which an edit of the rule can't change.
    Environment: { Variables: { RULE_PARAMETERS: JSON.stringify({
      nonCompliantAt: 'MEDIUM', requireSourceAccount: 'false', exemptTagKey: 'trustcheck:exempt',
      exemptRoleArnPatterns: '', configAggregatorName: '', functionRegions: '',
    }) } },
  });
  template.resourceCountIs('AWS::Logs::LogGroup', 3);
  template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  // Deleted with the stack, as SAM's: a kept log group of a fixed name fails the next deployment.
  template.allResources('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
  template.allResources('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
});

test('every role Lambda assumes trusts lambda.amazonaws.com from this account only', () => {
  const template = synth();
  const roles = template.findResources('AWS::IAM::Role');
  assert.equal(Object.keys(roles).length, 3);
  for (const [id, role] of Object.entries(roles)) {
    assert.deepEqual((role as any).Properties.AssumeRolePolicyDocument, LAMBDA_TRUST, id);
    assert.equal((role as any).Properties.ManagedPolicyArns, undefined, `${id} has managed policies`);
  }
});

test('the Config rule: CUSTOM_LAMBDA on IAM roles, both change types and a periodic run', () => {
  const template = synth({ scheduleFrequency: 'Six_Hours', nonCompliantAt: 'HIGH' });
  template.hasResourceProperties('AWS::Config::ConfigRule', {
    ConfigRuleName: 'trustcheck-iam-role-trust',
    Scope: { ComplianceResourceTypes: ['AWS::IAM::Role'] },
    InputParameters: Match.objectLike({ nonCompliantAt: 'HIGH', requireSourceAccount: 'false' }),
    Source: {
      Owner: 'CUSTOM_LAMBDA',
      SourceIdentifier: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EvaluatorFunction'), 'Arn'] },
      SourceDetails: [
        { EventSource: 'aws.config', MessageType: 'ConfigurationItemChangeNotification' },
        { EventSource: 'aws.config', MessageType: 'OversizedConfigurationItemChangeNotification' },
        { EventSource: 'aws.config', MessageType: 'ScheduledNotification', MaximumExecutionFrequency: 'Six_Hours' },
      ],
    },
  });
  // Not before Config may invoke the evaluator, nor before the evaluator's failure destination
  // exists, nor before a sweep may hand on to a new invocation.
  const invokeConfig = Object.entries(template.findResources('AWS::Lambda::EventInvokeConfig'))
    .filter(([, c]) => JSON.stringify((c as any).Properties.FunctionName).includes('EvaluatorFunction')).map(([id]) => id);
  assert.equal(invokeConfig.length, 1);
  const continues = logicalId(template, 'AWS::IAM::Policy', 'EvaluatorRoleContinuesItsSweep');
  template.hasResource('AWS::Config::ConfigRule', {
    DependsOn: Match.arrayWith(['ConfigInvokesEvaluator', invokeConfig[0], continues]),
  });
  template.resourceCountIs('AWS::Config::OrganizationConfigRule', 0);
});

test('the rule waits for the way a page goes: Config evaluates every role once it exists, and a page SNS has no subscriber for yet is dropped', () => {
  for (const overrides of [{}, { pagerDutyHttpsEndpoint: 'https://events.pagerduty.com/integration/KEY/enqueue' }]) {
    const template = synth(overrides);
    const rule = Object.values(template.findResources('AWS::Config::ConfigRule'))[0] as any;
    const waitsFor = new Set<string>(rule.DependsOn);
    const subscriptions = Object.keys(template.findResources('AWS::SNS::Subscription', {
      Properties: { TopicArn: { Ref: logicalId(template, 'AWS::SNS::Topic', 'PageTopic') } },
    }));
    assert.equal(subscriptions.length, 'pagerDutyHttpsEndpoint' in overrides ? 2 : 1);
    const notifierInvokeConfig = Object.entries(template.findResources('AWS::Lambda::EventInvokeConfig'))
      .filter(([, c]) => JSON.stringify((c as any).Properties.FunctionName).includes('NotifierFunction')).map(([id]) => id);
    const pagerInvoked = Object.entries(template.findResources('AWS::Lambda::Permission', {
      Properties: { Principal: 'sns.amazonaws.com' },
    })).filter(([, p]) => JSON.stringify((p as any).Properties.FunctionName).includes('PagerFunction')).map(([id]) => id);
    assert.equal(pagerInvoked.length, 1);
    const deadLetterQueuePolicy = logicalId(template, 'AWS::SQS::QueuePolicy', 'DeadLetterQueuePolicy');
    const topicPolicy = logicalId(template, 'AWS::SNS::TopicPolicy', 'PageAndNotifyTopicPolicy');
    for (const id of [...subscriptions, ...notifierInvokeConfig, ...pagerInvoked, deadLetterQueuePolicy, topicPolicy]) {
      assert.ok(waitsFor.has(id), `ConfigRule waits for ${id}: ${[...waitsFor].join(', ')}`);
    }
  }
});

test('only Config in this account may invoke the evaluator', () => {
  const template = synth();
  template.hasResourceProperties('AWS::Lambda::Permission', {
    Principal: 'config.amazonaws.com',
    SourceAccount: { Ref: 'AWS::AccountId' },
  });
  // Every invoke permission names its source.
  for (const [id, permission] of Object.entries(template.findResources('AWS::Lambda::Permission'))) {
    const p = (permission as any).Properties;
    assert.ok(p.SourceAccount || p.SourceArn, `${id} has neither SourceAccount nor SourceArn`);
  }
});

test('the evaluator decides and sends notices to the notifier; no EventBridge rule but the routing key\'s watch, nothing for events.amazonaws.com', () => {
  for (const overrides of [{}, { organizationId: 'o-exampleorg1' }, { routingKeyParameterName: '' }]) {
    const template = synth(overrides);
    // The stack has no EventBridge rule left for pages (Config schedules the sweep itself), only the
    // watch on the routing key's parameter when there is a pager, and organization mode no longer
    // opens the default bus to member accounts.
    const watched = (overrides as Partial<TrustcheckProps>).routingKeyParameterName !== '';
    template.resourceCountIs('AWS::Events::Rule', watched ? 1 : 0);
    template.resourceCountIs('AWS::Events::EventBusPolicy', 0);
    const table = logicalId(template, 'AWS::DynamoDB::Table', 'AlertsTable');
    const notifier = logicalId(template, 'AWS::Lambda::Function', 'NotifierFunction');
    const functions = template.findResources('AWS::Lambda::Function');
    const evaluator = functions[logicalId(template, 'AWS::Lambda::Function', 'EvaluatorFunction')] as any;
    const variables = evaluator.Properties.Environment.Variables;
    // Organization mode also checks which member accounts the sweeps reach.
    const organization = (overrides as Partial<TrustcheckProps>).organizationId !== undefined;
    assert.deepEqual(Object.keys(variables).sort(),
      ['ALERTS_TABLE', ...(organization ? ['EXCLUDED_ACCOUNTS'] : []), 'NOTIFIER_FUNCTION', 'PAGES_PER_SWEEP', 'PAGE_AT',
        'RULE_NAME', 'RULE_PARAMETERS', ...(organization ? ['SWEEP_WINDOW_HOURS'] : [])]);
    assert.equal(variables.RULE_NAME, 'trustcheck-iam-role-trust');
    assert.deepEqual(variables.ALERTS_TABLE, { Ref: table });
    assert.deepEqual(variables.NOTIFIER_FUNCTION, { 'Fn::GetAtt': [notifier, 'Arn'] });
    assert.equal(variables.PAGE_AT, 'HIGH');
    assert.equal(variables.PAGES_PER_SWEEP, '20');
    // The notifier routes what the notice says: the two topics, and the ledger it checks each page
    // against, nothing else (no PAGE_AT, no rule name prefix), and no dead-letter queue of its own
    // (the on-failure destination replaces it).
    const props = (functions[notifier] as any).Properties;
    // And the subscriptions of the page topic the stack makes, which each page must find there:
    // the pager's (its ARN) when there is a pager; the HTTPS one to PagerDuty here is not made.
    const pager = watched ? ['PAGER_FUNCTION_ARN'] : [];
    assert.deepEqual(Object.keys(props.Environment.Variables).sort(),
      ['ALERTS_TABLE', 'NOTIFY_TOPIC_ARN', 'PAGE_ROUTE_HTTPS_HOST', ...pager, 'PAGE_TOPIC_ARN'].sort());
    assert.deepEqual(props.Environment.Variables.ALERTS_TABLE, { Ref: table });
    assert.equal(props.Environment.Variables.PAGE_ROUTE_HTTPS_HOST, '');
    if (watched) {
      const pagerFunction = logicalId(template, 'AWS::Lambda::Function', 'PagerFunction');
      assert.deepEqual(props.Environment.Variables.PAGER_FUNCTION_ARN, { 'Fn::GetAtt': [pagerFunction, 'Arn'] });
    }
    assert.equal(props.DeadLetterConfig, undefined);
    // Nobody but the evaluator's role (IAM, below) invokes the notifier: no resource-based permission.
    for (const [id, permission] of Object.entries(template.findResources('AWS::Lambda::Permission'))) {
      const p = (permission as any).Properties;
      assert.notEqual(p.Principal, 'events.amazonaws.com', id);
      assert.notDeepEqual(p.FunctionName, { 'Fn::GetAtt': [notifier, 'Arn'] }, id);
    }
    // EventBridge may not write to the dead-letter queue any more: only to the routing key's watch.
    for (const [id, policy] of Object.entries(template.findResources('AWS::SQS::QueuePolicy'))) {
      if (id.startsWith('RoutingKeyChangesQueue')) continue;
      assert.doesNotMatch(JSON.stringify((policy as any).Properties.PolicyDocument), /events\.amazonaws\.com/, id);
    }
  }
});

test('PageAt and PagesPerSweep reach the evaluator; a PagesPerSweep outside 1 to 100 is refused', () => {
  const template = synth({ pagesPerSweep: 5, pageAt: 'CRITICAL' });
  template.hasResourceProperties('AWS::Lambda::Function', {
    Description: Match.stringLikeRegexp('Config rule'),
    Environment: { Variables: Match.objectLike({ PAGES_PER_SWEEP: '5', PAGE_AT: 'CRITICAL' }) },
  });
  for (const bad of [0, 101, 2.5]) {
    assert.throws(() => synth({ pagesPerSweep: bad }), /pagesPerSweep/);
  }
});

test('the alerts ledger: keyed by dedup_key, on demand, TTL on expires_at, PITR, encrypted, deletable', () => {
  const template = synth();
  template.resourceCountIs('AWS::DynamoDB::Table', 1);
  template.hasResource('AWS::DynamoDB::Table', {
    Properties: {
      KeySchema: [{ AttributeName: 'dedup_key', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'dedup_key', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    },
    // Rebuildable state: a lost table means the next sweep re-pages the open roles once.
    DeletionPolicy: 'Delete',
    UpdateReplacePolicy: 'Delete',
  });
  const table = { 'Fn::GetAtt': [logicalId(template, 'AWS::DynamoDB::Table', 'AlertsTable'), 'Arn'] };
  const dynamodb = (role: string) => statementsOf(template, role).filter((s) => actions(s).some((a) => a.startsWith('dynamodb:')));
  // The evaluator: read the previous state, write the new one, scan what is open; on the table only.
  const evaluator = dynamodb('EvaluatorRole');
  assert.equal(evaluator.length, 1);
  assert.deepEqual([...actions(evaluator[0])].sort(), ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Scan', 'dynamodb:UpdateItem']);
  assert.deepEqual(evaluator[0].Resource, table);
  assert.equal(evaluator[0].Condition, undefined);
  // The pager: read one item, before it posts.
  const pager = dynamodb('PagerRole');
  assert.equal(pager.length, 1);
  assert.deepEqual(actions(pager[0]), ['dynamodb:GetItem']);
  assert.deepEqual(pager[0].Resource, table);
  // The notifier: read one item, before it publishes (anyone who may invoke it can hand it a notice).
  const notifier = dynamodb('NotifierRole');
  assert.equal(notifier.length, 1);
  assert.deepEqual(actions(notifier[0]), ['dynamodb:GetItem']);
  assert.deepEqual(notifier[0].Resource, table);
  const pagerFunction = template.findResources('AWS::Lambda::Function')[logicalId(template, 'AWS::Lambda::Function', 'PagerFunction')] as any;
  assert.deepEqual(pagerFunction.Properties.Environment.Variables.ALERTS_TABLE,
    { Ref: logicalId(template, 'AWS::DynamoDB::Table', 'AlertsTable') });
  template.hasOutput('AlertsTableName', { Value: { Ref: logicalId(template, 'AWS::DynamoDB::Table', 'AlertsTable') } });
  // Written by the evaluator only: every other principal, administrators included, is denied each
  // write (a forged open alert would keep a broken role from paging).
  const ledger = template.findResources('AWS::DynamoDB::Table')[logicalId(template, 'AWS::DynamoDB::Table', 'AlertsTable')] as any;
  const resourcePolicy: Statement[] = ledger.Properties.ResourcePolicy.PolicyDocument.Statement;
  assert.equal(resourcePolicy.length, 1);
  const [deny] = resourcePolicy;
  assert.equal(deny.Effect, 'Deny');
  assert.deepEqual(deny.Principal, { AWS: '*' });
  assert.deepEqual([...actions(deny)].sort(), [
    'dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:PartiQLDelete', 'dynamodb:PartiQLInsert',
    'dynamodb:PartiQLUpdate', 'dynamodb:PutItem', 'dynamodb:UpdateItem',
  ]);
  assert.deepEqual(deny.Condition, {
    ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': [logicalId(template, 'AWS::IAM::Role', 'EvaluatorRole'), 'Arn'] } },
  });
  // Each write the evaluator's policy allows is one the Deny names.
  for (const action of actions(evaluator[0]).filter((a) => a !== 'dynamodb:GetItem' && a !== 'dynamodb:Scan')) {
    assert.ok(actions(deny).includes(action), action);
  }
});

test('topics are encrypted with a customer managed key the notifier may use through SNS', () => {
  const template = synth();
  template.resourceCountIs('AWS::SNS::Topic', 3);
  for (const name of ['PageTopic', 'NotifyTopic']) {
    const topic = template.findResources('AWS::SNS::Topic')[logicalId(template, 'AWS::SNS::Topic', name)] as any;
    assert.match(target(topic.Properties.KmsMasterKeyId), /^TopicKey/);
  }
  template.hasResourceProperties('AWS::KMS::Key', {
    EnableKeyRotation: true,
    KeyPolicy: {
      Statement: Match.arrayWith([
        Match.objectLike({
          Principal: { AWS: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NotifierRole'), 'Arn'] } },
          Condition: { StringEquals: { 'kms:ViaService': Match.anyValue() } },
        }),
        Match.objectLike({
          Principal: { Service: 'sns.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
        }),
      ]),
    },
  });
  template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
});

test('least privilege: exactly the actions each function needs', () => {
  const template = synth();
  const evaluator = statementsOf(template, 'EvaluatorRole').flatMap(actions).sort();
  assert.deepEqual(evaluator, [
    'account:ListRegions',
    'config:GetComplianceDetailsByConfigRule',
    'sqs:SendMessage',
    'config:DescribeConfigurationRecorders',
    'config:DescribeConfigurationRecorderStatus',
    'config:DescribeConfigRules',
    'config:GetResourceConfigHistory',
    'config:PutEvaluations',
    'config:SelectResourceConfig',
    'iam:ListRoles',
    'lambda:InvokeFunction', // itself (a sweep continues)
    'lambda:InvokeFunction', // the notifier (the notices)
    'lambda:ListFunctions',
    'lambda:ListEventSourceMappings',
    'cloudfront:ListDistributions',
    'lambda:GetFunctionConfiguration',
    'sqs:GetQueueAttributes',
    'logs:CreateLogStream',
    'logs:PutLogEvents',
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:Scan',
  ].sort());
  const notifier = new Set(statementsOf(template, 'NotifierRole').flatMap(actions));
  for (const action of notifier) {
    assert.ok(
      ['sns:Publish', 'sns:ListSubscriptionsByTopic', 'sqs:SendMessage', 'dynamodb:GetItem', 'logs:CreateLogStream',
        'logs:PutLogEvents'].includes(action),
      `notifier: unexpected ${action}`,
    );
  }
  // It lists the page topic's subscriptions, and no other topic's (after publishing a page: is
  // the way it goes still there?).
  const listing = statementsOf(template, 'NotifierRole').filter((s) => actions(s).includes('sns:ListSubscriptionsByTopic'));
  assert.equal(listing.length, 1);
  assert.deepEqual(listing[0].Resource, { Ref: logicalId(template, 'AWS::SNS::Topic', 'PageTopic') });
  // The topic key's actions come from its key policy, through SNS only (kms:ViaService): none in
  // the notifier's IAM policy, which the key policy's account statement would let act outside SNS.
  const pager = statementsOf(template, 'PagerRole');
  const ssm = pager.find((s) => actions(s).includes('ssm:GetParameter'));
  assert.ok(ssm, 'pager reads its parameter');
  assert.match(JSON.stringify(ssm.Resource), /parameter\/trustcheck\/pagerduty\/routing-key/);
  const decrypt = pager.find((s) => actions(s).includes('kms:Decrypt'));
  assert.ok(decrypt, 'pager decrypts its parameter');
  assert.match(JSON.stringify(decrypt.Condition), /kms:ViaService/);
  assert.match(JSON.stringify(decrypt.Condition), /PARAMETER_ARN/);
  // No wildcard actions anywhere, and no sts:AssumeRole outside organization mode.
  for (const s of ['EvaluatorRole', 'NotifierRole', 'PagerRole'].flatMap((r) => statementsOf(template, r))) {
    for (const action of actions(s)) {
      assert.ok(!action.includes('*') || action === 'kms:GenerateDataKey*', `wildcard action ${action}`);
      assert.notEqual(action, 'sts:AssumeRole');
    }
  }
});

test('PagerDuty routes: the pager function, an HTTPS subscription, or both', () => {
  const both = synth({ pagerDutyHttpsEndpoint: 'https://events.pagerduty.com/integration/KEY/enqueue' });
  both.hasResourceProperties('AWS::SNS::Subscription', {
    Protocol: 'lambda',
    RedrivePolicy: { deadLetterTargetArn: Match.anyValue() },
  });
  both.hasResourceProperties('AWS::SNS::Subscription', {
    Protocol: 'https',
    Endpoint: 'https://events.pagerduty.com/integration/KEY/enqueue',
    RedrivePolicy: { deadLetterTargetArn: Match.anyValue() },
    // Retried for about 40 minutes, not SNS's default minute, before the dead-letter queue.
    DeliveryPolicy: {
      healthyRetryPolicy: {
        numRetries: 12, numNoDelayRetries: 0, numMinDelayRetries: 2, numMaxDelayRetries: 6,
        minDelayTarget: 20, maxDelayTarget: 300,
      },
    },
  });
  const httpsOnly = synth({ routingKeyParameterName: '', pagerDutyHttpsEndpoint: 'https://example.invalid/x' });
  httpsOnly.resourceCountIs('AWS::Lambda::Function', 2);
  httpsOnly.resourceCountIs('AWS::SNS::Subscription', 1);
  // The notifier is told which subscriptions each page must find on the page topic: the HTTPS
  // one by its host, not the endpoint itself, which holds the integration key.
  const routes = (template: Template) => {
    const notifier = template.findResources('AWS::Lambda::Function')[logicalId(template, 'AWS::Lambda::Function', 'NotifierFunction')] as any;
    const variables = notifier.Properties.Environment.Variables;
    return [variables.PAGER_FUNCTION_ARN !== undefined, variables.PAGE_ROUTE_HTTPS_HOST];
  };
  assert.deepEqual(routes(both), [true, 'events.pagerduty.com']);
  assert.deepEqual(routes(httpsOnly), [false, 'example.invalid']);
  assert.deepEqual(routes(synth()), [true, '']);
  assert.doesNotMatch(JSON.stringify(routes(both)), /KEY/);
});

test('organization mode: no rule yet, assume-role into member accounts of this organization only', () => {
  const template = synth({ organizationId: 'o-exampleorg1' });
  // infra/org/organization-rule.yaml creates the organization rule, last.
  template.resourceCountIs('AWS::Config::ConfigRule', 0);
  template.resourceCountIs('AWS::Config::OrganizationConfigRule', 0);
  // Every key that judges is this stack's: the organization rule carries only the member role,
  // and an edit of it in the delegated administrator can't raise the threshold or exempt roles.
  const [evaluator] = Object.values(synth({ organizationId: 'o-exampleorg1', nonCompliantAt: 'HIGH',
    exemptRoleArnPatterns: 'arn:aws:iam::*:role/break-glass' }).findResources('AWS::Lambda::Function', {
    Properties: { Environment: { Variables: { RULE_NAME: Match.anyValue(), RULE_PARAMETERS: Match.anyValue() } } },
  }));
  assert.deepEqual(JSON.parse(evaluator.Properties.Environment.Variables.RULE_PARAMETERS), {
    nonCompliantAt: 'HIGH', requireSourceAccount: 'false', exemptTagKey: 'trustcheck:exempt',
    exemptRoleArnPatterns: 'arn:aws:iam::*:role/break-glass', configAggregatorName: '', functionRegions: '',
    executionRoleName: 'trustcheck-member',
  });
  const assume = statementsOf(template, 'EvaluatorRole').find((s) => actions(s).includes('sts:AssumeRole'));
  assert.ok(assume, 'the evaluator may assume the member role');
  assert.match(JSON.stringify(assume.Resource), /:role\/trustcheck-member/);
  assert.deepEqual(assume.Condition, { StringEquals: { 'aws:ResourceOrgID': 'o-exampleorg1' } });
  // It evaluates through the member role only: nothing of this account's to read or write.
  for (const action of ['config:PutEvaluations', 'iam:ListRoles', 'lambda:ListFunctions', 'cloudfront:ListDistributions',
    'lambda:GetFunctionConfiguration', 'sqs:GetQueueAttributes',
    'config:GetComplianceDetailsByConfigRule', 'account:ListRegions', 'config:DescribeConfigurationRecorderStatus',
    'config:DescribeConfigRules']) {
    assert.ok(!statementsOf(template, 'EvaluatorRole').some((s) => actions(s).includes(action)), action);
  }
  // The evaluator sends the notices from here: no event bus open to member accounts, no rule but
  // the routing key's watch.
  template.resourceCountIs('AWS::Events::EventBusPolicy', 0);
  assert.deepEqual(Object.keys(template.findResources('AWS::Events::Rule')).map((id) => id.replace(/[0-9A-F]{8}$/, '')),
    ['RoutingKeyChangedRule']);
});

test('organization mode: an active account no sweep reaches alarms (accounts-unswept); account mode has no such alarm', () => {
  const template = synth({ organizationId: 'o-exampleorg1', scheduleFrequency: 'Six_Hours' });
  template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ SWEEP_WINDOW_HOURS: '8', EXCLUDED_ACCOUNTS: '' }) },
  });
  // The accounts the organization rule was deployed to leave out: one it excludes beyond them is
  // still due, and the edit alarms.
  synth({ organizationId: 'o-exampleorg1', excludedAccounts: '111122223333,444455556666' }).hasResourceProperties(
    'AWS::Lambda::Function',
    { Environment: { Variables: Match.objectLike({ EXCLUDED_ACCOUNTS: '111122223333,444455556666' }) } },
  );
  const list = statementsOf(template, 'EvaluatorRole').filter((s) => actions(s).includes('organizations:ListAccounts'));
  assert.equal(list.length, 1);
  assert.deepEqual(actions(list[0]),
    ['organizations:ListAccounts', 'config:DescribeOrganizationConfigRules', 'organizations:ListDelegatedAdministrators']);
  const batch = statementsOf(template, 'EvaluatorRole').filter((s) => actions(s).includes('dynamodb:BatchGetItem'));
  assert.equal(batch.length, 1);
  assert.deepEqual(batch[0].Resource, { 'Fn::GetAtt': [logicalId(template, 'AWS::DynamoDB::Table', 'AlertsTable'), 'Arn'] });
  assert.equal(list[0].Resource, '*');
  template.hasResourceProperties('AWS::Logs::MetricFilter', {
    FilterPattern: '{ $.fields.unswept >= 0 }',
    MetricTransformations: [Match.objectLike({ MetricName: 'AccountsUnswept', MetricValue: '$.fields.unswept' })],
  });
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    AlarmName: { 'Fn::Join': ['', [{ Ref: 'AWS::StackName' }, '-accounts-unswept']] },
    MetricName: 'AccountsUnswept',
    Statistic: 'Maximum',
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'ignore',
  });
  const single = synth();
  assert.ok(!statementsOf(single, 'EvaluatorRole').some((s) => actions(s).includes('organizations:ListAccounts')));
  assert.equal(Object.values(single.findResources('AWS::CloudWatch::Alarm'))
    .filter((a: any) => JSON.stringify(a.Properties.AlarmName).includes('accounts-unswept')).length, 0);
});

test('the evaluator may invoke only itself (a sweep continues) and the notifier, and read regions and aggregators of this account', () => {
  const template = synth();
  const evaluator = statementsOf(template, 'EvaluatorRole');
  const invoke = evaluator.filter((s) => actions(s).includes('lambda:InvokeFunction'));
  assert.equal(invoke.length, 2);
  // Each statement: lambda:InvokeFunction on one function's ARN (no versions, aliases or wildcards).
  const invoked = invoke.map((s) => {
    assert.deepEqual(actions(s), ['lambda:InvokeFunction']);
    assert.equal(s.Condition, undefined);
    const resource = s.Resource as any;
    assert.equal(resource['Fn::GetAtt']?.[1], 'Arn', JSON.stringify(resource));
    return resource['Fn::GetAtt'][0];
  }).sort();
  assert.deepEqual(invoked, [
    logicalId(template, 'AWS::Lambda::Function', 'EvaluatorFunction'),
    logicalId(template, 'AWS::Lambda::Function', 'NotifierFunction'),
  ].sort());
  const regions = evaluator.find((s) => actions(s).includes('account:ListRegions'));
  assert.match(JSON.stringify(regions?.Resource), /:account::/);
  assert.ok(!evaluator.some((s) => actions(s).includes('config:SelectAggregateResourceConfig')));
  assert.ok(!evaluator.some((s) => actions(s).includes('config:DescribeConfigurationAggregators')));
  const withAggregator = statementsOf(synth({ configAggregatorName: 'organization' }), 'EvaluatorRole');
  const aggregate = withAggregator.find((s) => actions(s).includes('config:SelectAggregateResourceConfig'));
  assert.match(JSON.stringify(aggregate?.Resource), /config-aggregator\/\*/);
  assert.deepEqual(aggregate && actions(aggregate), [
    'config:SelectAggregateResourceConfig',
    'config:DescribeConfigurationAggregatorSourcesStatus',
  ]);
  // DescribeConfigurationAggregators has no resource type in IAM: only "*" grants it, in a
  // statement of its own with nothing else.
  const describe = withAggregator.filter((s) => actions(s).includes('config:DescribeConfigurationAggregators'));
  assert.equal(describe.length, 1);
  assert.deepEqual([describe[0].Effect, actions(describe[0]), describe[0].Resource, describe[0].Condition],
    ['Allow', ['config:DescribeConfigurationAggregators'], '*', undefined]);
  // Organization mode reads Config in the member accounts: an aggregator is refused, not ignored.
  assert.throws(() => synth({ configAggregatorName: 'organization', organizationId: 'o-acmeorg123' }),
    /configAggregatorName is for account mode/);
  template.hasResourceProperties('AWS::Config::ConfigRule', {
    InputParameters: Match.objectLike({ configAggregatorName: '', functionRegions: '' }),
  });
});

/** The logical id a Ref or Fn::GetAtt points at. */
function target(value: any): string {
  if (value?.Ref) return value.Ref;
  if (value?.['Fn::GetAtt']) return value['Fn::GetAtt'][0];
  throw new Error(`not a Ref or GetAtt: ${JSON.stringify(value)}`);
}
/** The logical id of the only resource of a type whose id starts with prefix. */
function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  assert.equal(ids.length, 1, `${type} ${prefix}*: ${ids.join(', ')}`);
  return ids[0];
}

test('alarms: both queues (depth, age, arrivals; a page still waiting a day on) and every function (errors, throttles or the pager\'s late pages, failures it could not record), to the alarm topic', () => {
  for (const [overrides, count, functions] of [
    [{}, 28, ['EvaluatorFunction', 'NotifierFunction', 'PagerFunction']],
    [{ routingKeyParameterName: '' }, 22, ['EvaluatorFunction', 'NotifierFunction']],
  ] as const) {
    const template = synth(overrides);
    const alarmTopic = logicalId(template, 'AWS::SNS::Topic', 'AlarmTopic');
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties);
    assert.equal(alarms.length, count);
    // Which metrics are alarmed, per queue or function (by the dimension's logical id).
    const metrics: Record<string, string[]> = {};
    // The evaluator going silent: no sweep finished in any hour of the sweep's interval and two
    // hours more (26 for a daily sweep), missing data counting as none. Its metric is the evaluator
    // log's "sweep done" lines, not its invocations (which change events keep coming).
    const silent = alarms.filter((a) => a.MetricName === 'SweepsDone');
    assert.equal(silent.length, 1);
    assert.deepEqual(
      [silent[0].Statistic, silent[0].Period, silent[0].EvaluationPeriods, silent[0].DatapointsToAlarm, silent[0].TreatMissingData],
      ['Sum', 3600, 26, 26, 'breaching'],
    );
    // Log lines can be made up by anyone allowed to write the log group; Lambda's count of the
    // evaluator's invocations can't: none in the same window alarms too.
    const uninvoked = alarms.filter((a) => a.MetricName === 'Invocations');
    assert.equal(uninvoked.length, 1);
    assert.deepEqual(
      [uninvoked[0].Namespace, uninvoked[0].Statistic, uninvoked[0].Period, uninvoked[0].EvaluationPeriods,
        uninvoked[0].DatapointsToAlarm, uninvoked[0].Threshold, uninvoked[0].ComparisonOperator, uninvoked[0].TreatMissingData],
      ['AWS/Lambda', 'Sum', 3600, 26, 26, 1, 'LessThanThreshold', 'breaching'],
    );
    assert.deepEqual(uninvoked[0].Dimensions,
      [{ Name: 'FunctionName', Value: { Ref: logicalId(template, 'AWS::Lambda::Function', 'EvaluatorFunction') } }]);
    assert.deepEqual([uninvoked[0].AlarmActions, uninvoked[0].OKActions], [[{ Ref: alarmTopic }], [{ Ref: alarmTopic }]]);
    const filters = Object.values(template.findResources('AWS::Logs::MetricFilter')).map((f: any) => f.Properties);
    assert.equal(filters.length, 3);
    for (const filter of filters) {
      assert.equal(target(filter.LogGroupName).replace(/[0-9A-F]{8}$/, ''), 'EvaluatorLogGroup');
      assert.deepEqual(filter.MetricTransformations[0].MetricNamespace, silent[0].Namespace);
      assert.equal(filter.MetricTransformations[0].MetricValue, '1');
    }
    assert.deepEqual(
      filters.map((f) => [f.MetricTransformations[0].MetricName, f.FilterPattern]).sort(),
      [['RecorderOff', '{ $.fields.recorder_off = 1 }'],
        ['RecorderOff', '{ $.fields.rule_edited = 1 }'],
        ['SweepsDone', '{ $.fields.message = "sweep done" }']],
    );
    // The recorder going off (or losing AWS::IAM::Role): only the sweeps that find it count (in
    // organization mode one account's sweep must not clear another's), in the same window as
    // evaluator-silent's.
    const recorderOff = alarms.filter((a) => a.MetricName === 'RecorderOff');
    assert.equal(recorderOff.length, 1);
    assert.deepEqual(
      [recorderOff[0].Statistic, recorderOff[0].Period, recorderOff[0].EvaluationPeriods, recorderOff[0].DatapointsToAlarm,
        recorderOff[0].Threshold, recorderOff[0].ComparisonOperator, recorderOff[0].TreatMissingData, recorderOff[0].Namespace],
      ['Sum', 3600, 26, 1, 0, 'GreaterThanThreshold', 'notBreaching', silent[0].Namespace],
    );
    assert.deepEqual([recorderOff[0].AlarmActions, recorderOff[0].OKActions], [[{ Ref: alarmTopic }], [{ Ref: alarmTopic }]]);
    const hourly = Object.values(synth({ ...overrides, scheduleFrequency: 'One_Hour' }).findResources('AWS::CloudWatch::Alarm'))
      .map((a: any) => a.Properties).find((a) => a.MetricName === 'SweepsDone');
    assert.deepEqual([hourly.Period, hourly.EvaluationPeriods, hourly.DatapointsToAlarm], [3600, 3, 3]);
    assert.deepEqual([silent[0].ComparisonOperator, silent[0].Threshold, silent[0].TreatMissingData],
      ['LessThanThreshold', 1, 'breaching']);
    assert.deepEqual(silent[0].AlarmActions, [{ Ref: alarmTopic }]);
    assert.deepEqual(silent[0].OKActions, [{ Ref: alarmTopic }]);
    // Pages SNS never hands to anyone (a filter policy, no subscription): metric math over the
    // page topic's own metrics, whatever route pages take.
    const pageTopic = logicalId(template, 'AWS::SNS::Topic', 'PageTopic');
    const notifyTopic = logicalId(template, 'AWS::SNS::Topic', 'NotifyTopic');
    const onTopics = alarms.filter((a) => a.Metrics && a.AlarmName['Fn::Join'][1][1] !== '-routing-key-changed');
    assert.deepEqual(onTopics.map((a) => a.AlarmName['Fn::Join'][1][1]).sort(),
      ['-notices-undelivered', '-pages-filtered-out', '-pages-undelivered']);
    for (const a of onTopics) {
      // Notices SNS discards (nobody subscribed to NotifyTopic) alarm on that topic's metrics.
      const topic = a.AlarmName['Fn::Join'][1][1] === '-notices-undelivered' ? notifyTopic : pageTopic;
      const [expression, ...stats] = a.Metrics;
      assert.equal(expression.ReturnData, true);
      assert.match(expression.Expression, /FILL/);
      assert.deepEqual([a.Threshold, a.ComparisonOperator, a.TreatMissingData, a.EvaluationPeriods],
        [0, 'GreaterThanThreshold', 'notBreaching', 1], a.AlarmName);
      // A page filtered out is lost with nothing left behind: no OK resolves its incident.
      const clears = a.AlarmName['Fn::Join'][1][1] !== '-pages-filtered-out';
      assert.deepEqual([a.AlarmActions, a.OKActions], [[{ Ref: alarmTopic }], clears ? [{ Ref: alarmTopic }] : undefined]);
      for (const m of stats) {
        assert.equal(m.ReturnData, false);
        assert.equal(m.MetricStat.Metric.Namespace, 'AWS/SNS');
        assert.equal(m.MetricStat.Stat, 'Sum');
        assert.deepEqual(m.MetricStat.Metric.Dimensions, [{ Name: 'TopicName', Value: { 'Fn::GetAtt': [topic, 'TopicName'] } }]);
        assert.ok(expression.Expression.includes(m.Id), `${m.Id} is in ${expression.Expression}`);
      }
      const names = stats.map((m: any) => m.MetricStat.Metric.MetricName).sort();
      if (a.AlarmName['Fn::Join'][1][1] === '-pages-filtered-out') {
        assert.deepEqual(names, ['', '-InvalidAttributes', '-InvalidMessageBody', '-MessageBody', '-NoMessageAttributes']
          .map((suffix) => `NumberOfNotificationsFilteredOut${suffix}`).sort());
      } else {
        // Published against delivered only: NumberOfNotificationsFailed counts every failed attempt
        // to an HTTPS subscriber, retries included, and a page delivered on a retry would offset a
        // missing delivery.
        assert.deepEqual(names, ['NumberOfMessagesPublished', 'NumberOfNotificationsDelivered']);
        assert.equal(expression.Expression, 'FILL(published, 0) - FILL(delivered, 0)');
      }
    }
    // With both routes each page is delivered twice: one subscription removed still shows.
    const both = synth({ ...overrides, pagerDutyHttpsEndpoint: 'https://events.pagerduty.com/integration/KEY/enqueue' });
    const undelivered = Object.values(both.findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties)
      .find((a) => a.AlarmName['Fn::Join']?.[1][1] === '-pages-undelivered');
    const twice = (overrides as Partial<TrustcheckProps>).routingKeyParameterName === '' ? '' : ' * 2';
    assert.equal(undelivered.Metrics[0].Expression, `FILL(published, 0)${twice} - FILL(delivered, 0)`);
    for (const a of alarms.filter((a) => a.MetricName && !['SweepsDone', 'RecorderOff', 'Invocations'].includes(a.MetricName))) {
      assert.equal(a.Dimensions.length, 1);
      const resource = target(a.Dimensions[0].Value).replace(/[0-9A-F]{8}$/, '');
      (metrics[resource] ??= []).push(a.MetricName);
      // Every action, firing and clearing, goes to the alarm topic and nowhere else. A loss that
      // leaves nothing in a queue (a failure record, a page) sends no OK: a period later its
      // datapoint is gone, and the OK would resolve the incident before anyone acted.
      const name = a.AlarmName['Fn::Join']?.[1][1];
      const loss = name.endsWith('-failure-delivery') || ['-pages-not-redriven', '-routing-key-changes-failed'].includes(name);
      assert.deepEqual(a.AlarmActions, [{ Ref: alarmTopic }], a.AlarmName);
      assert.deepEqual(a.OKActions, loss ? undefined : [{ Ref: alarmTopic }], a.AlarmName);
      assert.equal(a.TreatMissingData, 'notBreaching');
      assert.equal(a.ComparisonOperator, 'GreaterThanThreshold');
      assert.equal(a.EvaluationPeriods, 1);
      assert.equal(a.Period, 300);
      assert.ok(a.AlarmDescription, 'every alarm says what to do');
      // A page waiting in DeadLetterQueue is said an hour on, and again a day on (the first
      // alarms may have gone down with PagerDuty, when they route through it).
      const stale = a.AlarmName['Fn::Join']?.[1][1] === '-dead-letter-queue-stale';
      const expected: Record<string, [string, string, number]> = {
        ApproximateNumberOfMessagesVisible: ['AWS/SQS', 'Maximum', 0],
        ApproximateAgeOfOldestMessage: ['AWS/SQS', 'Maximum', stale ? 86400 : 3600],
        NumberOfMessagesSent: ['AWS/SQS', 'Sum', 0],
        Errors: ['AWS/Lambda', 'Sum', 0],
        Throttles: ['AWS/Lambda', 'Sum', 0],
        AsyncEventAge: ['AWS/Lambda', 'Maximum', 600000],
        DestinationDeliveryFailures: ['AWS/Lambda', 'Sum', 0],
        DeadLetterErrors: ['AWS/Lambda', 'Sum', 0],
        NumberOfNotificationsFailedToRedriveToDlq: ['AWS/SNS', 'Sum', 0],
        NumberOfNotificationsFailed: ['AWS/SNS', 'Sum', 0],
        FailedInvocations: ['AWS/Events', 'Sum', 0],
      };
      assert.deepEqual([a.Namespace, a.Statistic, a.Threshold], expected[a.MetricName], a.MetricName);
      const dimension = { 'AWS/SQS': 'QueueName', 'AWS/SNS': 'TopicName', 'AWS/Events': 'RuleName' }[a.Namespace as string] ?? 'FunctionName';
      assert.equal(a.Dimensions[0].Name, dimension);
    }
    const queue = ['ApproximateAgeOfOldestMessage', 'ApproximateNumberOfMessagesVisible', 'NumberOfMessagesSent'];
    // A page SNS could neither deliver nor move to the dead-letter queue: lost, but for this.
    const expected: Record<string, string[]> = {
      DeadLetterQueue: [...queue, 'ApproximateAgeOfOldestMessage'].sort(),
      EvaluatorFailureQueue: queue,
      PageTopic: ['NumberOfNotificationsFailedToRedriveToDlq'],
      // A notice SNS failed to deliver: NotifyTopic's subscriptions have no dead-letter queue.
      NotifyTopic: ['NumberOfNotificationsFailed'],
    };
    // With the pager, each change of the routing key as it arrives (its depth is metric math), and
    // each EventBridge could not put in the queue.
    if ((functions as readonly string[]).includes('PagerFunction')) {
      expected.RoutingKeyChangesQueue = ['NumberOfMessagesSent'];
      expected.RoutingKeyChangedRule = ['FailedInvocations'];
    }
    // The pager's failures go to its dead-letter queue, the others' to an on-failure destination.
    for (const fn of functions) {
      // The pager's queue is its reserved concurrency of 1 at work: alarmed on how long a page
      // waits, not on throttles. The notifier's on both: a notice can wait in its queue unthrottled.
      const delivery = fn === 'PagerFunction' ? 'DeadLetterErrors' : 'DestinationDeliveryFailures';
      const late = { PagerFunction: ['AsyncEventAge'], NotifierFunction: ['AsyncEventAge', 'Throttles'] }[fn as string]
        ?? ['Throttles'];
      expected[fn] = [delivery, 'Errors', ...late].sort();
    }
    for (const list of Object.values(metrics)) list.sort();
    assert.deepEqual(metrics, expected);
    // The queue alarms watch the queues' names.
    for (const a of alarms.filter((a) => a.Namespace === 'AWS/SQS')) {
      assert.equal(a.Dimensions[0].Value['Fn::GetAtt'][1], 'QueueName');
    }
  }
});

test('a loss that leaves nothing in a queue sends no OK (its incident stays open until a person resolves it); every other alarm clears', () => {
  for (const overrides of [{}, { routingKeyParameterName: '' }]) {
    const template = synth(overrides);
    const alarmTopic = { Ref: logicalId(template, 'AWS::SNS::Topic', 'AlarmTopic') };
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties);
    const name = (a: any) => a.AlarmName['Fn::Join'][1][1];
    const losses = alarms.filter((a) => a.OKActions === undefined).map(name).sort();
    const pager = overrides.routingKeyParameterName === undefined;
    assert.deepEqual(losses, [
      '-evaluator-failure-delivery', '-notifier-failure-delivery', ...(pager ? ['-pager-failure-delivery'] : []),
      '-pages-filtered-out', '-pages-not-redriven', ...(pager ? ['-routing-key-changes-failed'] : []),
    ].sort());
    for (const a of alarms) {
      assert.deepEqual(a.AlarmActions, [alarmTopic], name(a));
      if (a.OKActions !== undefined) {
        assert.deepEqual(a.OKActions, [alarmTopic], name(a));
      }
    }
  }
});

test('the alarm topic: encrypted with the key CloudWatch may use, published to only by this stack\'s alarms', () => {
  const template = synth();
  const alarmTopicId = logicalId(template, 'AWS::SNS::Topic', 'AlarmTopic');
  const alarmTopic = template.findResources('AWS::SNS::Topic')[alarmTopicId] as any;
  const keyId = target(alarmTopic.Properties.KmsMasterKeyId);
  assert.deepEqual(alarmTopic.Properties.KmsMasterKeyId, { 'Fn::GetAtt': [keyId, 'Arn'] });
  const key = template.findResources('AWS::KMS::Key')[keyId] as any;
  assert.ok(key, 'a customer managed key of this stack, not alias/aws/sns');
  // Its own: the alarms that pages stopped must not stop with the pages' key.
  assert.doesNotMatch(keyId, /^TopicKey/);
  const topicKey = template.findResources('AWS::KMS::Key')[logicalId(template, 'AWS::KMS::Key', 'TopicKey')] as any;
  assert.ok(!JSON.stringify(topicKey.Properties.KeyPolicy).includes('cloudwatch.amazonaws.com'));
  assert.ok(!JSON.stringify(key.Properties.KeyPolicy).includes('NotifierRole'));
  const cloudwatch = key.Properties.KeyPolicy.Statement.filter(
    (s: Statement) => JSON.stringify(s.Principal) === JSON.stringify({ Service: 'cloudwatch.amazonaws.com' }));
  assert.equal(cloudwatch.length, 1);
  assert.equal(cloudwatch[0].Effect, 'Allow');
  assert.deepEqual([...actions(cloudwatch[0])].sort(), ['kms:Decrypt', 'kms:GenerateDataKey*']);
  assert.deepEqual(cloudwatch[0].Condition, { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } });

  const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy')).map((p: any) => p.Properties)
    .filter((p) => p.Topics.some((t: any) => target(t) === alarmTopicId));
  assert.equal(policies.length, 1);
  assert.deepEqual(policies[0].Topics, [{ Ref: alarmTopicId }]);
  // Published to by this stack's alarms only: every other publisher is denied, administrators
  // included (a made-up "OK" would resolve an alarm's incident).
  const statements: Statement[] = policies[0].PolicyDocument.Statement;
  assert.equal(statements.length, 2);
  const [allow, deny] = ['Allow', 'Deny'].map((effect) => statements.find((s) => s.Effect === effect)!);
  assert.deepEqual(allow.Principal, { Service: 'cloudwatch.amazonaws.com' });
  assert.equal(deny.Principal, '*');
  for (const s of [allow, deny]) {
    assert.deepEqual(actions(s), ['sns:Publish']);
    assert.deepEqual(s.Resource, { Ref: alarmTopicId });
  }
  const condition = allow.Condition as any;
  assert.deepEqual(condition.StringEquals, { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
  const arn = condition.ArnLike['aws:SourceArn'];
  assert.match(JSON.stringify(arn), /:cloudwatch:.*:alarm:.*AWS::StackName.*-\*/);
  assert.deepEqual(deny.Condition, { ArnNotLike: { 'aws:SourceArn': arn } });
  // Every alarm of the stack is named so, or its own notifications would be denied.
  for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm')) as any[]) {
    assert.match(JSON.stringify(alarm.Properties.AlarmName), /AWS::StackName.*-/);
  }

  // No subscription with the opt-out (DEFAULTS); with the props, e-mail and PagerDuty's
  // CloudWatch integration, and never the pager function.
  const onAlarmTopic = (t: Template) => Object.values(t.findResources('AWS::SNS::Subscription'))
    .map((s: any) => s.Properties).filter((p) => target(p.TopicArn) === alarmTopicId);
  assert.equal(onAlarmTopic(template).length, 0);
  const subscribed = synth({
    alarmEmail: 'oncall@example.com',
    alarmPagerDutyUrl: 'https://events.pagerduty.com/integration/KEY/enqueue',
  });
  const subscriptions = onAlarmTopic(subscribed).map((p) => [p.Protocol, p.Endpoint]).sort();
  assert.deepEqual(subscriptions, [
    ['email', 'oncall@example.com'],
    ['https', 'https://events.pagerduty.com/integration/KEY/enqueue'],
  ]);
  // An alarm PagerDuty refuses is kept in a queue of its own, which admits it, and whose alarm
  // (through the alarm topic's e-mail) says so when it fires, never when it clears (its own
  // notification, refused again, would make it fire and clear in turn); no alarm topic failure
  // reaches the dead-letter queue, whose alarms go to the alarm topic.
  const alarmFailureQueue = logicalId(subscribed, 'AWS::SQS::Queue', 'AlarmFailureQueue');
  const https = onAlarmTopic(subscribed).find((p) => p.Protocol === 'https');
  assert.deepEqual(https.RedrivePolicy, { deadLetterTargetArn: { 'Fn::GetAtt': [alarmFailureQueue, 'Arn'] } });
  const admitting = Object.values(subscribed.findResources('AWS::SQS::QueuePolicy')).map((p: any) => p.Properties)
    .filter((p) => p.PolicyDocument.Statement.some((s: Statement) =>
      s.Effect === 'Allow' && JSON.stringify(s.Condition).includes(alarmTopicId)));
  assert.deepEqual(admitting.map((p) => p.Queues.map(target)), [[alarmFailureQueue]]);
  const watched = Object.values(subscribed.findResources('AWS::CloudWatch::Alarm'))
    .filter((a: any) => JSON.stringify(a.Properties.Dimensions ?? a.Properties.Metrics ?? []).includes(alarmFailureQueue))
    .map((a: any) => a.Properties);
  assert.deepEqual(watched.map((a) => JSON.stringify(a.AlarmName).match(/-alarms-undelivered[a-z-]*/)?.[0]).sort(),
    ['-alarms-undelivered', '-alarms-undelivered-arrivals']);
  for (const a of watched) {
    assert.deepEqual(a.AlarmActions, [{ Ref: alarmTopicId }]);
    assert.equal(a.OKActions, undefined);
  }
  assert.equal(Object.keys(template.findResources('AWS::SQS::Queue')).some((id) => id.startsWith('AlarmFailureQueue')), false,
    'no queue without the HTTPS subscription');
});

test('the alarms must reach someone: no alarmEmail, no alarmPagerDutyUrl and no opt-out is refused', () => {
  // The construct's default: a route is required.
  assert.equal(TRUSTCHECK_DEFAULTS.alarmTopicSubscribedElsewhere, 'false');
  assert.throws(() => synth({ alarmTopicSubscribedElsewhere: 'false' }),
    /would reach nobody: set alarmEmail and\/or alarmPagerDutyUrl, or alarmTopicSubscribedElsewhere 'true'/);
  const onAlarmTopic = (t: Template) => {
    const topic = logicalId(t, 'AWS::SNS::Topic', 'AlarmTopic');
    return Object.values(t.findResources('AWS::SNS::Subscription')).map((s: any) => s.Properties)
      .filter((p) => target(p.TopicArn) === topic).map((p) => p.Protocol);
  };
  // E-mail alone is enough; PagerDuty alone is not (deleted or disabled, its integration refuses
  // every alarm, and the alarm on the queue that keeps them needs another route), unless the
  // deployer subscribes a route of their own.
  assert.deepEqual(onAlarmTopic(synth({ alarmTopicSubscribedElsewhere: 'false', alarmEmail: 'oncall@example.com' })), ['email']);
  const pagerDutyAlone = { alarmPagerDutyUrl: 'https://events.pagerduty.com/integration/KEY/enqueue' };
  assert.throws(() => synth({ alarmTopicSubscribedElsewhere: 'false', ...pagerDutyAlone }),
    /alarmPagerDutyUrl alone is not enough: set alarmEmail too/);
  assert.deepEqual(onAlarmTopic(synth({ alarmTopicSubscribedElsewhere: 'true', ...pagerDutyAlone })), ['https']);
  // The opt-out: the deployer subscribes the exported topic themselves.
  const elsewhere = synth({ alarmTopicSubscribedElsewhere: 'true' });
  assert.deepEqual(onAlarmTopic(elsewhere), []);
  elsewhere.hasOutput('AlarmTopicArn', { Value: { Ref: logicalId(elsewhere, 'AWS::SNS::Topic', 'AlarmTopic') } });
  assert.throws(() => synth({ alarmTopicSubscribedElsewhere: 'yes' as any }), /alarmTopicSubscribedElsewhere/);
});

test('the pages must reach someone: no pager, no HTTPS endpoint and no opt-out is refused', () => {
  assert.equal(TRUSTCHECK_DEFAULTS.pageTopicSubscribedElsewhere, 'false');
  const noRoute = { pageTopicSubscribedElsewhere: 'false', routingKeyParameterName: '', pagerDutyHttpsEndpoint: '' } as const;
  assert.throws(() => synth(noRoute),
    /pages would reach nobody: set routingKeyParameterName \(the pager function\) and\/or pagerDutyHttpsEndpoint, or pageTopicSubscribedElsewhere 'true'/);
  // Either route alone is enough, and so is the opt-out (the deployer subscribes the exported topic).
  synth({ ...noRoute, routingKeyParameterName: '/trustcheck/pagerduty/routing-key' });
  synth({ ...noRoute, pagerDutyHttpsEndpoint: 'https://events.pagerduty.com/integration/KEY/enqueue' });
  const elsewhere = synth({ ...noRoute, pageTopicSubscribedElsewhere: 'true' });
  elsewhere.hasOutput('PageTopicArn', { Value: { Ref: logicalId(elsewhere, 'AWS::SNS::Topic', 'PageTopic') } });
  assert.throws(() => synth({ pageTopicSubscribedElsewhere: 'yes' as any }), /pageTopicSubscribedElsewhere/);
});

test('notices can be turned off: no notify route, no alarm on notices, and no address waiting for them', () => {
  assert.equal(TRUSTCHECK_DEFAULTS.sendNotices, 'true');
  const alarmNames = (template: Template) => Object.values(template.findResources('AWS::CloudWatch::Alarm'))
    .map((a: any) => a.Properties.AlarmName['Fn::Join'][1][1]);
  const notifyTopicOf = (template: Template) => {
    const [notifier] = Object.values(template.findResources('AWS::Lambda::Function'))
      .filter((f: any) => f.Properties.Environment?.Variables?.PAGE_TOPIC_ARN !== undefined);
    return (notifier as any).Properties.Environment.Variables.NOTIFY_TOPIC_ARN;
  };
  const sending = synth();
  assert.deepEqual(notifyTopicOf(sending), { Ref: logicalId(sending, 'AWS::SNS::Topic', 'NotifyTopic') });
  assert.ok(alarmNames(sending).includes('-notices-undelivered') && alarmNames(sending).includes('-notices-failed'));
  const quiet = synth({ sendNotices: 'false' });
  assert.equal(notifyTopicOf(quiet), '');
  assert.deepEqual(alarmNames(quiet).filter((n) => n.startsWith('-notices')), []);
  assert.equal(alarmNames(quiet).length, alarmNames(sending).length - 2);
  assert.throws(() => synth({ sendNotices: 'false', notifyEmail: 'secops@example.com' }),
    /notifyEmail subscribes to the notices, which sendNotices 'false' doesn't send/);
  assert.throws(() => synth({ sendNotices: 'no' as any }), /sendNotices/);
});

test('only the notifier can publish to the page and notify topics', () => {
  const template = synth();
  const pageTopic = logicalId(template, 'AWS::SNS::Topic', 'PageTopic');
  const notifyTopic = logicalId(template, 'AWS::SNS::Topic', 'NotifyTopic');
  const notifierRole = { 'Fn::GetAtt': [logicalId(template, 'AWS::IAM::Role', 'NotifierRole'), 'Arn'] };
  const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy')).map((p: any) => p.Properties)
    .filter((p) => p.Topics.some((t: any) => [pageTopic, notifyTopic].includes(target(t))));
  assert.equal(policies.length, 1, 'one policy for both topics');
  assert.deepEqual(policies[0].Topics.map(target).sort(), [notifyTopic, pageTopic].sort());
  const statements: Statement[] = policies[0].PolicyDocument.Statement;
  const topics = [{ Ref: pageTopic }, { Ref: notifyTopic }];
  // Publishing is allowed to the notifier's role only...
  const allows = statements.filter((s) => s.Effect === 'Allow' && actions(s).includes('sns:Publish'));
  assert.equal(allows.length, 1);
  assert.deepEqual(allows[0].Principal, { AWS: notifierRole });
  assert.deepEqual(actions(allows[0]), ['sns:Publish']);
  assert.deepEqual(allows[0].Resource, topics);
  // ...and denied to every other principal, administrators included.
  const denies = statements.filter((s) => s.Effect === 'Deny');
  assert.equal(denies.length, 1);
  assert.equal(denies[0].Principal, '*');
  assert.deepEqual(denies[0].Resource, topics);
  assert.deepEqual(denies[0].Condition, { StringNotEquals: { 'aws:PrincipalArn': notifierRole } });
  // Only sns:Publish: the account can still manage the topics, and SNS still delivers (delivery is
  // no sns:Publish call).
  assert.deepEqual(actions(denies[0]), ['sns:Publish']);
  // Nothing else grants anything on these topics.
  assert.equal(statements.length, 2);
});

test('the evaluator\'s failed asynchronous invocations go to a queue of their own after 2 retries', () => {
  const template = synth();
  const failureQueue = logicalId(template, 'AWS::SQS::Queue', 'EvaluatorFailureQueue');
  const evaluator = logicalId(template, 'AWS::Lambda::Function', 'EvaluatorFunction');
  template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 2);
  template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
    FunctionName: { Ref: evaluator },
    Qualifier: '$LATEST',
    MaximumRetryAttempts: 2,
    DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [failureQueue, 'Arn'] } } },
  });
  template.hasResourceProperties('AWS::SQS::Queue', Match.objectLike({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 }));
  // Lambda writes the destination records with the evaluator's role: sqs:SendMessage on that queue only.
  const send = statementsOf(template, 'EvaluatorRole').filter((s) => actions(s).includes('sqs:SendMessage'));
  assert.equal(send.length, 1);
  assert.deepEqual(actions(send[0]), ['sqs:SendMessage']);
  assert.deepEqual(send[0].Resource, { 'Fn::GetAtt': [failureQueue, 'Arn'] });
  // The pager keeps its dead-letter queue (SNS invokes it).
  const deadLetterQueue = logicalId(template, 'AWS::SQS::Queue', 'DeadLetterQueue');
  const pager = template.findResources('AWS::Lambda::Function')[logicalId(template, 'AWS::Lambda::Function', 'PagerFunction')] as any;
  assert.deepEqual(pager.Properties.DeadLetterConfig, { TargetArn: { 'Fn::GetAtt': [deadLetterQueue, 'Arn'] } });
});

test('a notice the notifier can\'t publish is kept in the dead-letter queue after 2 retries within 6 hours', () => {
  const template = synth();
  const deadLetterQueue = logicalId(template, 'AWS::SQS::Queue', 'DeadLetterQueue');
  const notifier = logicalId(template, 'AWS::Lambda::Function', 'NotifierFunction');
  const configs = Object.values(template.findResources('AWS::Lambda::EventInvokeConfig')).map((c: any) => c.Properties)
    .filter((p) => JSON.stringify(p.FunctionName) === JSON.stringify({ Ref: notifier }));
  assert.equal(configs.length, 1);
  assert.deepEqual(configs[0], {
    FunctionName: { Ref: notifier },
    Qualifier: '$LATEST',
    MaximumRetryAttempts: 2,
    MaximumEventAgeInSeconds: 21600,
    DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [deadLetterQueue, 'Arn'] } } },
  });
  // Lambda writes the destination records with the notifier's role: sqs:SendMessage on that queue only.
  const send = statementsOf(template, 'NotifierRole').filter((s) => actions(s).includes('sqs:SendMessage'));
  assert.equal(send.length, 1);
  assert.deepEqual(actions(send[0]), ['sqs:SendMessage']);
  assert.deepEqual(send[0].Resource, { 'Fn::GetAtt': [deadLetterQueue, 'Arn'] });
  // The queue policy only denies plain HTTP to everyone (and admits SNS's redrive): nothing in it
  // stops the notifier's role.
  const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy')).map((p: any) => p.Properties)
    .filter((p) => p.Queues.some((q: any) => target(q) === deadLetterQueue));
  assert.equal(policies.length, 1);
  for (const s of policies[0].PolicyDocument.Statement as Statement[]) {
    if (s.Effect === 'Deny') {
      assert.deepEqual(s.Condition, { Bool: { 'aws:SecureTransport': 'false' } });
    } else {
      assert.deepEqual(s.Principal, { Service: 'sns.amazonaws.com' });
    }
  }
});

test('the pager runs one at a time (reserved concurrency 1); the other functions reserve nothing', () => {
  const template = synth();
  for (const [id, fn] of Object.entries(template.findResources('AWS::Lambda::Function'))) {
    const reserved = (fn as any).Properties.ReservedConcurrentExecutions;
    assert.equal(reserved, id.startsWith('PagerFunction') ? 1 : undefined, id);
  }
});

test('a change of the routing key\'s parameter alarms until someone deletes its message', () => {
  const template = synth();
  const rules = Object.values(template.findResources('AWS::Events::Rule')).map((r: any) => r.Properties);
  assert.equal(rules.length, 1);
  const [rule] = rules;
  const parameterArn = JSON.stringify(rule.EventPattern.$or[1].resources[0]);
  assert.match(parameterArn, /:ssm:.*:parameter\/trustcheck\/pagerduty\/routing-key/);
  assert.deepEqual(rule.EventPattern, {
    'source': ['aws.ssm'],
    'detail-type': ['Parameter Store Change'],
    '$or': [{ detail: { name: ['/trustcheck/pagerduty/routing-key'] } }, { resources: [JSON.parse(parameterArn)] }],
  });
  // The pager reads the same parameter.
  const pager = statementsOf(template, 'PagerRole').find((s) => actions(s).includes('ssm:GetParameter'))!;
  assert.equal(JSON.stringify(pager.Resource), parameterArn);
  const queue = logicalId(template, 'AWS::SQS::Queue', 'RoutingKeyChangesQueue');
  assert.deepEqual(rule.Targets.map((t: any) => t.Arn), [{ 'Fn::GetAtt': [queue, 'Arn'] }]);
  // Only this rule's events land in the queue, over TLS.
  const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy')).map((p: any) => p.Properties)
    .filter((p) => p.Queues.some((q: any) => target(q) === queue));
  assert.equal(policies.length, 1);
  const statements: Statement[] = policies[0].PolicyDocument.Statement;
  const allow = statements.filter((s) => s.Effect === 'Allow');
  assert.equal(allow.length, 1);
  assert.deepEqual(allow[0].Principal, { Service: 'events.amazonaws.com' });
  assert.deepEqual(actions(allow[0]), ['sqs:SendMessage']);
  const ruleId = logicalId(template, 'AWS::Events::Rule', 'RoutingKeyChangedRule');
  assert.deepEqual(allow[0].Condition, { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } });
  assert.ok(statements.some((s) => s.Effect === 'Deny' && JSON.stringify(s.Condition).includes('aws:SecureTransport')));
  // The alarm: any message waiting, to the alarm topic, named as the stack's alarms are (the topic
  // takes no other).
  const alarm = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties)
    .find((a) => a.AlarmName['Fn::Join']?.[1][1] === '-routing-key-changed');
  assert.ok(alarm, 'the routing-key-changed alarm');
  // Messages visible and in flight: one only received, not deleted, keeps it firing.
  const [expression, ...stats] = alarm.Metrics;
  assert.equal(expression.Expression, 'FILL(visible, 0) + FILL(received, 0)');
  assert.deepEqual(stats.map((m: any) => [m.Id, m.MetricStat.Metric.Namespace, m.MetricStat.Metric.MetricName, m.MetricStat.Stat]).sort(),
    [['received', 'AWS/SQS', 'ApproximateNumberOfMessagesNotVisible', 'Maximum'],
      ['visible', 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'Maximum']]);
  for (const m of stats) {
    assert.deepEqual(m.MetricStat.Metric.Dimensions, [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }]);
  }
  assert.deepEqual([alarm.Threshold, alarm.ComparisonOperator, alarm.TreatMissingData], [0, 'GreaterThanThreshold', 'notBreaching']);
  // Each arrival too, which deleting the message at once doesn't take back.
  const arrivals = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties)
    .find((a) => a.AlarmName['Fn::Join']?.[1][1] === '-routing-key-changes-arrivals');
  assert.deepEqual([arrivals.Namespace, arrivals.MetricName, arrivals.Statistic, arrivals.Threshold, arrivals.Period],
    ['AWS/SQS', 'NumberOfMessagesSent', 'Sum', 0, 300]);
  assert.deepEqual(arrivals.Dimensions, [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }]);
  // And each change EventBridge could not put in the queue (its policy or key changed, the queue
  // deleted): dropped, which neither alarm above can see. The rule is on the default bus: its name
  // is the only dimension.
  const failed = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties)
    .find((a) => a.AlarmName['Fn::Join']?.[1][1] === '-routing-key-changes-failed');
  assert.ok(failed, 'the routing-key-changes-failed alarm');
  assert.deepEqual(
    [failed.Namespace, failed.MetricName, failed.Statistic, failed.Period, failed.EvaluationPeriods, failed.Threshold,
      failed.ComparisonOperator, failed.TreatMissingData],
    ['AWS/Events', 'FailedInvocations', 'Sum', 300, 1, 0, 'GreaterThanThreshold', 'notBreaching']);
  assert.deepEqual(failed.Dimensions, [{ Name: 'RuleName', Value: { Ref: ruleId } }]);
  const alarmTopic = { Ref: logicalId(template, 'AWS::SNS::Topic', 'AlarmTopic') };
  // A change lost leaves nothing behind: no OK resolves its incident (a person does).
  assert.deepEqual([failed.AlarmActions, failed.OKActions], [[alarmTopic], undefined]);
  assert.match(failed.AlarmDescription, /RoutingKeyChangesQueue/);
  template.hasOutput('RoutingKeyChangesQueueUrl', { Value: { Ref: queue } });
  // Without the pager there is no key to watch.
  const noPager = synth({ routingKeyParameterName: '' });
  noPager.resourceCountIs('AWS::Events::Rule', 0);
  assert.equal(Object.keys(noPager.findResources('AWS::SQS::Queue')).filter((id) => id.startsWith('RoutingKey')).length, 0);
  assert.ok(!JSON.stringify(noPager.findResources('AWS::CloudWatch::Alarm')).includes('FailedInvocations'));
});
