// The Trustcheck construct embedded in another app's stack (node's test runner; `npm test`), as
// the package's users add it: `import { Trustcheck } from 'trustcheck-cdk'`. Bundling is skipped.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { TRUSTCHECK_DEFAULTS, Trustcheck, TrustcheckProps, TrustcheckStack } from '../lib';

const newApp = () => new App({ context: { 'aws:cdk:bundling-stacks': [] } });

/** A stack of some other app with the construct in it, under the id 'Trustcheck'. */
function embed(props?: TrustcheckProps): { stack: Stack; trustcheck: Trustcheck; template: Template } {
  const stack = new Stack(newApp(), 'PlatformSecurity', { env: { account: '111122223333', region: 'eu-west-1' } });
  const trustcheck = new Trustcheck(stack, 'Trustcheck', props);
  return { stack, trustcheck, template: Template.fromStack(stack) };
}

/** The logical id of the only resource of a type whose id starts with prefix. */
function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  assert.equal(ids.length, 1, `${type} ${prefix}*: ${ids.join(', ')}`);
  return ids[0];
}

// Every value differs from its default, so a prop the construct ignored fails an assertion.
const CUSTOM: TrustcheckProps = {
  ruleName: 'acme-role-trust',
  scheduleFrequency: 'One_Hour',
  nonCompliantAt: 'HIGH',
  requireSourceAccount: 'true',
  exemptTagKey: 'acme:trustcheck-exempt',
  exemptRoleArnPatterns: 'arn:aws:iam::*:role/breakglass-*',
  configAggregatorName: 'organization',
  functionRegions: 'eu-west-1,us-east-1',
  pageAt: 'CRITICAL',
  pagesPerSweep: 7,
  routingKeyParameterName: '/acme/pagerduty/key',
  pageTopicSubscribedElsewhere: 'true',
  pagerDutyEventsUrl: 'https://events.eu.pagerduty.com/v2/enqueue',
  pagerDutyHttpsEndpoint: 'https://events.pagerduty.com/integration/PAGES/enqueue',
  notifyEmail: 'platform@example.com',
  alarmEmail: 'secops@example.com',
  alarmPagerDutyUrl: 'https://events.pagerduty.com/integration/ALARMS/enqueue',
  memberRoleName: 'acme-trustcheck-member',
  logRetentionDays: RetentionDays.ONE_WEEK,
};

test('the custom props differ from every default (the test below would miss an ignored prop otherwise)', () => {
  for (const [key, value] of Object.entries(CUSTOM)) {
    assert.notDeepEqual(value, (TRUSTCHECK_DEFAULTS as any)[key], key);
  }
});

test('embedded in another app\'s stack: the Config rule, its parameters and schedule follow the props', () => {
  const { trustcheck, template } = embed(CUSTOM);
  const evaluator = logicalId(template, 'AWS::Lambda::Function', 'TrustcheckEvaluatorFunction');
  template.resourceCountIs('AWS::Config::ConfigRule', 1);
  template.hasResourceProperties('AWS::Config::ConfigRule', {
    ConfigRuleName: 'acme-role-trust',
    Scope: { ComplianceResourceTypes: ['AWS::IAM::Role'] },
    InputParameters: {
      nonCompliantAt: 'HIGH',
      requireSourceAccount: 'true',
      exemptTagKey: 'acme:trustcheck-exempt',
      exemptRoleArnPatterns: 'arn:aws:iam::*:role/breakglass-*',
      configAggregatorName: 'organization',
      functionRegions: 'eu-west-1,us-east-1',
    },
    Source: {
      Owner: 'CUSTOM_LAMBDA',
      SourceIdentifier: { 'Fn::GetAtt': [evaluator, 'Arn'] },
      SourceDetails: Match.arrayWith([
        { EventSource: 'aws.config', MessageType: 'ScheduledNotification', MaximumExecutionFrequency: 'One_Hour' },
      ]),
    },
  });
  assert.ok(trustcheck.configRule, 'the construct exposes its rule');
  assert.equal(trustcheck.ruleName, 'acme-role-trust');
  // The construct adds no outputs: that is the embedding stack's business.
  assert.deepEqual(Object.keys(template.toJSON().Outputs ?? {}), []);
  // The aggregator prop grants the aggregate query on this account's aggregators, and the
  // description of the aggregators on "*", the only resource IAM authorizes that action on.
  template.hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({
          Action: ['config:SelectAggregateResourceConfig', 'config:DescribeConfigurationAggregatorSourcesStatus'],
          Resource: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':config-aggregator/\\*$')])] },
        }),
        { Sid: 'SourcesOfTheAggregator', Effect: 'Allow', Action: 'config:DescribeConfigurationAggregators', Resource: '*' },
      ]),
    },
  });
});

test('embedded: the evaluator pages at the given severity within the given budget; the pager uses the given key and URL', () => {
  const { trustcheck, template } = embed(CUSTOM);
  const functions = template.findResources('AWS::Lambda::Function');
  const evaluator = functions[logicalId(template, 'AWS::Lambda::Function', 'TrustcheckEvaluatorFunction')] as any;
  const variables = evaluator.Properties.Environment.Variables;
  assert.equal(variables.PAGE_AT, 'CRITICAL');
  assert.equal(variables.PAGES_PER_SWEEP, '7');
  // Every parameter of the rule, as the rule has it: an edit of the rule can't change one.
  const rule = Object.values(template.findResources('AWS::Config::ConfigRule'))[0] as any;
  assert.deepEqual(JSON.parse(variables.RULE_PARAMETERS), rule.Properties.InputParameters);
  assert.equal(JSON.parse(variables.RULE_PARAMETERS).nonCompliantAt, 'HIGH');
  assert.deepEqual(evaluator.Properties.Environment.Variables.NOTIFIER_FUNCTION,
    { 'Fn::GetAtt': [logicalId(template, 'AWS::Lambda::Function', 'TrustcheckNotifierFunction'), 'Arn'] });
  assert.ok(trustcheck.pagerFunction, 'a routing key parameter makes a pager');
  const pager = functions[logicalId(template, 'AWS::Lambda::Function', 'TrustcheckPagerFunction')] as any;
  assert.equal(pager.Properties.Environment.Variables.ROUTING_KEY_PARAMETER, '/acme/pagerduty/key');
  assert.equal(pager.Properties.Environment.Variables.PAGERDUTY_EVENTS_URL, 'https://events.eu.pagerduty.com/v2/enqueue');
  assert.match(JSON.stringify(template.findResources('AWS::IAM::Policy')), /parameter\/acme\/pagerduty\/key/);
  template.resourceCountIs('AWS::Logs::LogGroup', 3);
  template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
});

test('embedded: thirty alarms on the alarm topic, which the given e-mail and PagerDuty URL subscribe to', () => {
  const { trustcheck, template } = embed(CUSTOM);
  const alarmTopic = logicalId(template, 'AWS::SNS::Topic', 'TrustcheckAlarmTopic');
  const pageTopic = logicalId(template, 'AWS::SNS::Topic', 'TrustcheckPageTopic');
  template.resourceCountIs('AWS::CloudWatch::Alarm', 30);
  assert.equal(trustcheck.alarms.length, 30);
  template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: alarmTopic }] });
  // All but the six losses that leave nothing in a queue, and the alarms PagerDuty refused (its OK,
  // refused again, would make it fire and clear in turn), clear themselves (their OK resolves the incident).
  const clearing = Object.values(template.findResources('AWS::CloudWatch::Alarm'))
    .filter((a: any) => JSON.stringify(a.Properties.OKActions) === JSON.stringify([{ Ref: alarmTopic }]));
  assert.equal(clearing.length, 22);
  template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'SweepsDone', TreatMissingData: 'breaching' });
  for (const name of ['alarms-undelivered', 'alarms-undelivered-arrivals', 'evaluator-silent', 'evaluator-errors', 'notifier-throttles', 'pager-errors', 'dead-letter-queue-depth', 'evaluator-failures-age', 'dead-letter-queue-arrivals', 'evaluator-failure-delivery', 'pager-failure-delivery', 'pages-not-redriven', 'notices-failed', 'recorder-off', 'routing-key-changes-failed']) {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: { 'Fn::Join': ['', [{ Ref: 'AWS::StackName' }, `-${name}`]] } });
  }
  const subscriptions = Object.values(template.findResources('AWS::SNS::Subscription')).map((s: any) => s.Properties);
  const on = (topic: string) => subscriptions.filter((p) => p.TopicArn.Ref === topic).map((p) => [p.Protocol, p.Endpoint ?? 'lambda']).sort();
  assert.deepEqual(on(alarmTopic), [
    ['email', 'secops@example.com'],
    ['https', 'https://events.pagerduty.com/integration/ALARMS/enqueue'],
  ]);
  assert.deepEqual(on(pageTopic).map(([protocol]) => protocol), ['https', 'lambda']);
  const notifyTopic = logicalId(template, 'AWS::SNS::Topic', 'TrustcheckNotifyTopic');
  assert.deepEqual(on(notifyTopic), [['email', 'platform@example.com']]);
  template.hasResourceProperties('AWS::SNS::Subscription', {
    Protocol: 'https',
    Endpoint: 'https://events.pagerduty.com/integration/PAGES/enqueue',
    TopicArn: { Ref: pageTopic },
  });
});

test('embedded in organization mode without a pager: no rule, assume-role into this organization, twenty-five alarms (the silent and uninvoked evaluator and the recorder too: the organization rule invokes it; and the accounts no sweep reaches)', () => {
  const { trustcheck, template } =
    embed({ ...CUSTOM, organizationId: 'o-acmeorg123', routingKeyParameterName: '', configAggregatorName: '' });
  template.resourceCountIs('AWS::Config::ConfigRule', 0);
  assert.equal(trustcheck.configRule, undefined);
  assert.equal(trustcheck.pagerFunction, undefined);
  template.resourceCountIs('AWS::Lambda::Function', 2);
  template.resourceCountIs('AWS::CloudWatch::Alarm', 25);
  assert.equal(trustcheck.alarms.length, 25);
  // The deployment's parameters judge, the member role with them: the organization rule carries only that.
  const variables = Object.values(template.findResources('AWS::Lambda::Function'))
    .map((f: any) => f.Properties.Environment?.Variables ?? {})
    .find((v: any) => v.RULE_PARAMETERS !== undefined);
  assert.deepEqual(JSON.parse(variables.RULE_PARAMETERS), {
    nonCompliantAt: CUSTOM.nonCompliantAt, requireSourceAccount: CUSTOM.requireSourceAccount,
    exemptTagKey: CUSTOM.exemptTagKey, exemptRoleArnPatterns: CUSTOM.exemptRoleArnPatterns,
    configAggregatorName: '', functionRegions: CUSTOM.functionRegions, executionRoleName: 'acme-trustcheck-member',
  });
  template.hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: {
      Statement: Match.arrayWith([Match.objectLike({
        Action: 'sts:AssumeRole',
        Resource: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':role/acme-trustcheck-member$')])] },
        Condition: { StringEquals: { 'aws:ResourceOrgID': 'o-acmeorg123' } },
      })]),
    },
  });
});

test('with only an alarm route the construct builds what the app deploys with cdk.json\'s context and that route', () => {
  const context = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')).context;
  // cdk.json and the construct's defaults are the same settings.
  assert.deepEqual({ ...context, pagesPerSweep: Number(context.pagesPerSweep), logRetentionDays: Number(context.logRetentionDays) },
    { ...TRUSTCHECK_DEFAULTS });
  // Neither names an alarm route: both are refused as they are.
  assert.throws(() => new TrustcheckStack(newApp(), 'Trustcheck', context), /would reach nobody/);
  assert.throws(() => new Trustcheck(new Stack(newApp(), 'Trustcheck'), 'Default'), /would reach nobody/);
  const route = { alarmEmail: 'secops@example.com' };
  const app = Template.fromStack(new TrustcheckStack(newApp(), 'Trustcheck', { ...context, ...route })).toJSON();
  const stack = new Stack(newApp(), 'Trustcheck');
  new Trustcheck(stack, 'Default', route);
  const embedded = Template.fromStack(stack).toJSON();
  assert.deepEqual(embedded.Resources, app.Resources);
});

test('CloudFormation parameters can feed the props that are only passed on (paging, rule parameters)', () => {
  const stack = new Stack(newApp(), 'Parameterised');
  const pageAt = new CfnParameter(stack, 'PageAt', { allowedValues: ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] });
  const pagesPerSweep = new CfnParameter(stack, 'PagesPerSweep', { type: 'Number', minValue: 1, maxValue: 100 });
  const nonCompliantAt = new CfnParameter(stack, 'NonCompliantAt', { allowedValues: ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] });
  const exemptTagKey = new CfnParameter(stack, 'ExemptTagKey');
  new Trustcheck(stack, 'Trustcheck', {
    alarmEmail: 'secops@example.com',
    pageAt: pageAt.valueAsString as any,
    pagesPerSweep: pagesPerSweep.valueAsNumber,
    nonCompliantAt: nonCompliantAt.valueAsString as any,
    exemptTagKey: exemptTagKey.valueAsString,
  });
  const template = Template.fromStack(stack);
  template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ PAGE_AT: { Ref: 'PageAt' }, PAGES_PER_SWEEP: { Ref: 'PagesPerSweep' } }) },
  });
  template.hasResourceProperties('AWS::Config::ConfigRule', {
    InputParameters: Match.objectLike({ nonCompliantAt: { Ref: 'NonCompliantAt' }, exemptTagKey: { Ref: 'ExemptTagKey' } }),
  });
});

test('bad props are refused at synth time, as the SAM template\'s parameter constraints refuse them', () => {
  const bad: [Partial<Record<keyof TrustcheckProps, unknown>>, RegExp][] = [
    [{ nonCompliantAt: 'SEVERE' }, /nonCompliantAt/],
    [{ pageAt: 'high' }, /pageAt/],
    [{ scheduleFrequency: 'Daily' }, /scheduleFrequency/],
    [{ requireSourceAccount: true }, /requireSourceAccount/],
    [{ pagesPerSweep: 0 }, /pagesPerSweep/],
    [{ alarmEmail: 'secops' }, /alarmEmail/],
    [{ notifyEmail: 'platform' }, /notifyEmail/],
    [{ alarmPagerDutyUrl: 'http://example.com' }, /alarmPagerDutyUrl/],
    [{ organizationId: '123456789012' }, /organizationId/],
    [{ routingKeyParameterName: 'no-leading-slash' }, /routingKeyParameterName/],
    [{ ruleName: 'has spaces' }, /ruleName/],
    // An empty key would make the evaluator refuse the rule parameters on every invocation.
    [{ exemptTagKey: '' }, /exemptTagKey/],
    // CloudFormation would refuse these only at deploy time.
    [{ logRetentionDays: 45 }, /logRetentionDays/],
    [{ logRetentionDays: Number('thirty') }, /logRetentionDays/],
    // The pager posts the routing key to this URL: PagerDuty's two endpoints only.
    [{ pagerDutyEventsUrl: 'https://example.com/v2/enqueue' }, /pagerDutyEventsUrl .*events\.pagerduty\.com.*events\.eu\.pagerduty\.com/],
    [{ pagerDutyEventsUrl: 'https://events.pagerduty.com.example.com/v2/enqueue' }, /pagerDutyEventsUrl/],
    // The Config rule's inputParameters hold 1024 characters.
    [{ exemptRoleArnPatterns: `arn:aws:iam::*:role/${'x'.repeat(237)}` }, /exemptRoleArnPatterns .*256 characters at most/],
    [{ functionRegions: Array(15).fill('ap-southeast-1').join(',') }, /functionRegions .*200 characters at most/],
    // No alarm route and no opt-out.
    [{ alarmEmail: '', alarmPagerDutyUrl: '' }, /alarms on trustcheck's own failures would reach nobody/],
    [{ alarmTopicSubscribedElsewhere: 'true', excludedAccounts: '111122223333' }, /excludedAccounts is for organization mode/],
  ];
  for (const [props, message] of bad) {
    assert.throws(() => embed(props as TrustcheckProps), message, JSON.stringify(props));
  }
  // At the bounds, with every other rule parameter at its longest, the rule's inputParameters
  // still fit in 1024 characters.
  const longest: TrustcheckProps = {
    ...CUSTOM,
    nonCompliantAt: 'CRITICAL',
    requireSourceAccount: 'false',
    exemptTagKey: 'k'.repeat(128),
    configAggregatorName: 'a'.repeat(256),
    exemptRoleArnPatterns: `arn:aws:iam::*:role/${'x'.repeat(236)}`,
    functionRegions: `${'eu-west-1,'.repeat(19)}eu-north-1`,
  };
  assert.equal(longest.exemptRoleArnPatterns!.length, 256);
  assert.equal(longest.functionRegions!.length, 200);
  const rule = Object.values(embed(longest).template.findResources('AWS::Config::ConfigRule'))[0] as any;
  assert.equal(JSON.stringify(rule.Properties.InputParameters).length, 992);
  assert.doesNotThrow(() => embed({ ...CUSTOM, pagerDutyEventsUrl: 'https://events.pagerduty.com/v2/enqueue' }));
  // A PagerDuty URL holds a routing key: the error names the prop, never its value.
  const url = 'http://events.pagerduty.com/integration/0123456789abcdef0123456789abcdef/enqueue';
  for (const key of ['pagerDutyHttpsEndpoint', 'alarmPagerDutyUrl']) {
    assert.throws(
      () => embed({ [key]: url } as TrustcheckProps),
      (error: Error) => error.message.includes(key) && !error.message.includes('0123456789abcdef'),
      key,
    );
  }
});

test('one per stack (its names derive from the stack\'s); another stack may have its own', () => {
  const app = newApp();
  const stack = new Stack(app, 'One');
  const route = { alarmEmail: 'secops@example.com' };
  new Trustcheck(stack, 'Trustcheck', route);
  assert.throws(() => new Trustcheck(stack, 'Again', route), /one per stack/);
  assert.doesNotThrow(() => new Trustcheck(new Stack(app, 'Two'), 'Trustcheck', route));
});
