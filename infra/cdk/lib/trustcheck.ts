// trustcheck as a construct: the resources of infra/template.yaml (SAM) for any CDK app to embed.
// The app in bin/ deploys it through TrustcheckStack (lib/trustcheck-stack.ts); other apps add it
// to a stack of their own (`new Trustcheck(stack, 'Trustcheck', { ... })`, docs/deploy.md).
// Every prop is a synth-time value (the SAM template's parameters, decided when the app runs):
// several of them switch resources on or off.

import * as path from 'node:path';
import { Aws, Duration, Fn, RemovalPolicy, Stack, Token, Tokenization } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as config from 'aws-cdk-lib/aws-config';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { RustFunction } from 'cargo-lambda-cdk';
import { Construct, IDependable } from 'constructs';

/**
 * SNS's default for HTTPS is 3 retries 20 s apart: a PagerDuty outage of a minute would send the
 * message to the queue. Retries for about 40 minutes instead (SNS allows 3,600 s in all). SNS's
 * default backoff between the least and the most delay, linear: CDK writes a function's name in
 * capitals, SNS documents it in lower case.
 */
const pagerDutyDeliveryPolicy: sns.DeliveryPolicy = {
  healthyRetryPolicy: {
    numRetries: 12,
    numNoDelayRetries: 0,
    numMinDelayRetries: 2,
    numMaxDelayRetries: 6,
    minDelayTarget: Duration.seconds(20),
    maxDelayTarget: Duration.seconds(300),
  },
};

export type Severity = 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
/** The periodic sweep's frequency (the Config rule's MaximumExecutionFrequency). */
export type ScheduleFrequency = 'One_Hour' | 'Three_Hours' | 'Six_Hours' | 'Twelve_Hours' | 'TwentyFour_Hours';

export const SEVERITIES: readonly Severity[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
/** What CloudFormation takes as a log group's RetentionInDays (the SAM template's AllowedValues). */
export const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];
export const SCHEDULE_FREQUENCIES: readonly ScheduleFrequency[] =
  ['One_Hour', 'Three_Hours', 'Six_Hours', 'Twelve_Hours', 'TwentyFour_Hours'];
/** PagerDuty's Events API v2 endpoints (US and EU service regions): the pager posts the routing key there, nowhere else. */
export const PAGERDUTY_EVENTS_URLS: readonly string[] =
  ['https://events.pagerduty.com/v2/enqueue', 'https://events.eu.pagerduty.com/v2/enqueue'];

/**
 * trustcheck's settings: the SAM template's parameters (docs/deploy.md, section 2). Every one is
 * optional; the defaults are the SAM parameters' (and cdk.json's).
 */
export interface TrustcheckProps {
  /** The Config rule's name (organization mode: the organization rule's). @default 'trustcheck-iam-role-trust' */
  readonly ruleName?: string;
  /** How often the periodic sweep of every role runs. @default 'TwentyFour_Hours' */
  readonly scheduleFrequency?: ScheduleFrequency;
  /** Rule parameter: the lowest finding severity that makes a role NON_COMPLIANT (README, "Rule parameters"). @default 'MEDIUM' */
  readonly nonCompliantAt?: Severity;
  /** Rule parameter: 'true' raises CONFUSED_DEPUTY_UNSCOPED and CONFUSED_DEPUTY_INEFFECTIVE to MEDIUM. @default 'false' */
  readonly requireSourceAccount?: 'true' | 'false';
  /** Rule parameter: roles with this tag are NOT_APPLICABLE. @default 'trustcheck:exempt' */
  readonly exemptTagKey?: string;
  /** Rule parameter: comma-separated ARN globs that are NOT_APPLICABLE, 256 characters at most; empty for none. @default '' */
  readonly exemptRoleArnPatterns?: string;
  /** A Config aggregator in this account and region that records functions in every region; empty for none (account mode only). @default '' */
  readonly configAggregatorName?: string;
  /** Comma-separated regions whose functions count, 200 characters at most; empty: every enabled region. @default '' */
  readonly functionRegions?: string;
  /** Findings at or above this page; the rest go to the notify topic. The evaluator decides; the notifier routes. @default 'HIGH' */
  readonly pageAt?: Severity;
  /** At most this many individual pages per sweep (1 to 100); the rest of a sweep's new alerts go into one digest page. @default 20 */
  readonly pagesPerSweep?: number;
  /** PagerDuty route 1: the pager function reads the routing key from this SSM SecureString. Empty: no pager. @default '/trustcheck/pagerduty/routing-key' */
  readonly routingKeyParameterName?: string;
  /** The PagerDuty Events API v2 endpoint: one of PAGERDUTY_EVENTS_URLS (the EU one for the EU service region). @default 'https://events.pagerduty.com/v2/enqueue' */
  readonly pagerDutyEventsUrl?: string;
  /** PagerDuty route 2: an "Amazon CloudWatch" integration URL subscribed over HTTPS. Empty: none. @default '' */
  readonly pagerDutyHttpsEndpoint?: string;
  /**
   * 'true': you subscribe a page route of your own to the page topic (`pageTopic`), so neither
   * routingKeyParameterName nor pagerDutyHttpsEndpoint is needed. 'false': one of them is, or the
   * construct refuses to synthesize. @default 'false'
   */
  readonly pageTopicSubscribedElsewhere?: 'true' | 'false';
  /** An e-mail address subscribed to the notify topic (findings below pageAt). Empty: none. @default '' */
  readonly notifyEmail?: string;
  /**
   * 'false': findings below pageAt are not sent at all (the notify topic publishes nothing, and the
   * notices-undelivered and notices-failed alarms are left out), for a team that wants pages only;
   * then notifyEmail must be empty. @default 'true'
   */
  readonly sendNotices?: 'true' | 'false';
  /** An e-mail address subscribed to the alarm topic. Required unless alarmTopicSubscribedElsewhere is 'true', beside alarmPagerDutyUrl too. @default '' */
  readonly alarmEmail?: string;
  /** A PagerDuty "Amazon CloudWatch" integration URL subscribed to the alarm topic over HTTPS (not through the pager), beside alarmEmail. Empty: none. @default '' */
  readonly alarmPagerDutyUrl?: string;
  /**
   * 'true': you subscribe an endpoint of your own to the alarm topic (`alarmTopic`), so neither
   * alarmEmail nor alarmPagerDutyUrl is needed. 'false': alarmEmail is, with or without
   * alarmPagerDutyUrl, or the construct refuses to synthesize. @default 'false'
   */
  readonly alarmTopicSubscribedElsewhere?: 'true' | 'false';
  /** Organization mode (delegated administrator): the organization id; empty for a single account. @default '' */
  readonly organizationId?: string;
  /** Organization mode: the role infra/org/member-role.yaml creates in every member account. @default 'trustcheck-member' */
  readonly memberRoleName?: string;
  /**
   * Organization mode: the accounts the organization rule leaves out, comma separated (the same
   * list as infra/org/organization-rule.yaml's ExcludedAccounts). One the live rule excludes beyond
   * these is still counted unswept, and the edit alarms (recorder-off). @default ''
   */
  readonly excludedAccounts?: string;
  /** Retention of the three functions' log groups. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetentionDays?: logs.RetentionDays;
  /**
   * The Cargo workspace's manifest, which cargo lambda builds the three functions from.
   * @default this repository's Cargo.toml (relative to this file)
   */
  readonly cargoManifest?: string;
}

type Settings = Required<Omit<TrustcheckProps, 'cargoManifest'>>;

/** The defaults, as the SAM template's parameter defaults and cdk.json (a test holds them equal). */
/** The evaluator-silent alarm's window in hours: the sweep's interval, and two hours for Config's schedule to drift. */
const SILENT_HOURS: Readonly<Record<ScheduleFrequency, number>> = {
  One_Hour: 3,
  Three_Hours: 5,
  Six_Hours: 8,
  Twelve_Hours: 14,
  TwentyFour_Hours: 26,
};

export const TRUSTCHECK_DEFAULTS: Readonly<Settings> = {
  ruleName: 'trustcheck-iam-role-trust',
  scheduleFrequency: 'TwentyFour_Hours',
  nonCompliantAt: 'MEDIUM',
  requireSourceAccount: 'false',
  exemptTagKey: 'trustcheck:exempt',
  exemptRoleArnPatterns: '',
  configAggregatorName: '',
  functionRegions: '',
  pageAt: 'HIGH',
  pagesPerSweep: 20,
  routingKeyParameterName: '/trustcheck/pagerduty/routing-key',
  pagerDutyEventsUrl: 'https://events.pagerduty.com/v2/enqueue',
  pagerDutyHttpsEndpoint: '',
  pageTopicSubscribedElsewhere: 'false',
  notifyEmail: '',
  sendNotices: 'true',
  alarmEmail: '',
  alarmPagerDutyUrl: '',
  alarmTopicSubscribedElsewhere: 'false',
  organizationId: '',
  memberRoleName: 'trustcheck-member',
  excludedAccounts: '',
  logRetentionDays: logs.RetentionDays.ONE_MONTH,
};

/** The props with their defaults, checked as the SAM template checks its parameters. */
function settings(props: TrustcheckProps): Settings {
  const given = Object.fromEntries(Object.entries(props).filter(([, value]) => value !== undefined));
  const s = { ...TRUSTCHECK_DEFAULTS, ...given } as Settings;
  // The PagerDuty URLs carry an integration's routing key: an error names them, never their value.
  const secret: ReadonlyArray<keyof Settings> = ['pagerDutyHttpsEndpoint', 'alarmPagerDutyUrl'];
  const check = (key: keyof Settings, ok: (value: any) => boolean, expected: string) => {
    const value = s[key];
    if (!Token.isUnresolved(value) && !ok(value)) {
      const shown = secret.includes(key) ? 'not valid' : `is ${JSON.stringify(value)}`;
      throw new Error(`trustcheck: ${key} ${shown}: expected ${expected}`);
    }
  };
  const pattern = (re: RegExp) => (value: any) => typeof value === 'string' && re.test(value);
  const oneOf = (values: readonly unknown[]) => (value: any) => values.includes(value);
  check('ruleName', pattern(/^[A-Za-z0-9_-]{1,50}$/), '1 to 50 letters, digits, _ or -');
  check('scheduleFrequency', oneOf(SCHEDULE_FREQUENCIES), SCHEDULE_FREQUENCIES.join(', '));
  check('nonCompliantAt', oneOf(SEVERITIES), 'LOW, MEDIUM, HIGH or CRITICAL');
  check('pageAt', oneOf(SEVERITIES), 'LOW, MEDIUM, HIGH or CRITICAL');
  check('requireSourceAccount', oneOf(['true', 'false']), "'true' or 'false'");
  check('pagesPerSweep', (n) => Number.isInteger(n) && n >= 1 && n <= 100, 'an integer from 1 to 100');
  check('configAggregatorName', pattern(/^[A-Za-z0-9_-]{0,256}$/), 'an aggregator name or nothing');
  // The Config rule's inputParameters hold 1024 characters; the other four parameters, with the
  // JSON around them, take up to 536. These two bounds (the SAM parameters' MaxLength) keep it at 992.
  check('functionRegions', pattern(/^[a-z0-9, -]{0,200}$/),
    'comma-separated regions or nothing, 200 characters at most (the Config rule\'s inputParameters hold 1024)');
  check('exemptRoleArnPatterns', (value) => typeof value === 'string' && value.length <= 256,
    'ARN patterns or nothing, 256 characters at most (the Config rule\'s inputParameters hold 1024)');
  check('routingKeyParameterName', pattern(/^(|\/[A-Za-z0-9_.\-/]{1,1000})$/), 'an SSM parameter name (/...) or nothing');
  // The pager posts the routing key to this URL: PagerDuty's own endpoints only.
  check('pagerDutyEventsUrl', oneOf(PAGERDUTY_EVENTS_URLS), `PagerDuty's Events API v2 endpoint, ${PAGERDUTY_EVENTS_URLS.join(' or ')}`);
  check('pagerDutyHttpsEndpoint', pattern(/^(|https:\/\/.+)$/), 'an https:// URL or nothing');
  check('pageTopicSubscribedElsewhere', oneOf(['true', 'false']), "'true' or 'false'");
  check('sendNotices', oneOf(['true', 'false']), "'true' or 'false'");
  check('notifyEmail', pattern(/^(|[^@\s]+@[^@\s]+)$/), 'an e-mail address or nothing');
  check('alarmEmail', pattern(/^(|[^@\s]+@[^@\s]+)$/), 'an e-mail address or nothing');
  check('alarmPagerDutyUrl', pattern(/^(|https:\/\/.+)$/), 'an https:// URL or nothing');
  check('alarmTopicSubscribedElsewhere', oneOf(['true', 'false']), "'true' or 'false'");
  check('organizationId', pattern(/^(|o-[a-z0-9]{10,32})$/), 'an organization id (o-...) or nothing');
  check('memberRoleName', pattern(/^[A-Za-z0-9+=,.@_-]{1,64}$/), 'a role name');
  check('excludedAccounts', pattern(/^([0-9]{12}(,[0-9]{12})*)?$/), 'account ids separated by commas, or nothing');
  check('logRetentionDays', oneOf(LOG_RETENTION_DAYS), `one of ${LOG_RETENTION_DAYS.join(', ')} (days)`);
  check('exemptTagKey', (value) => typeof value === 'string' && value.length >= 1 && value.length <= 128, '1 to 128 characters');
  const set = (value: string) => Token.isUnresolved(value) || value !== '';
  // Every page publishes to the page topic: without a subscriber SNS drops each one (the SAM
  // template's rule PagesReachSomeone).
  if (s.pageTopicSubscribedElsewhere === 'false' && !set(s.routingKeyParameterName) && !set(s.pagerDutyHttpsEndpoint)) {
    throw new Error('trustcheck: the pages would reach nobody: set routingKeyParameterName (the pager function) and/or ' +
      'pagerDutyHttpsEndpoint, or pageTopicSubscribedElsewhere \'true\' if you subscribe a route of your own to the page ' +
      'topic (the construct\'s pageTopic; TrustcheckStack\'s output PageTopicArn)');
  }
  // Notices are sent or they are not: an address subscribed to notices never sent waits for nothing
  // (the SAM template's rule NoticesSentWhereSubscribed).
  if (s.sendNotices === 'false' && set(s.notifyEmail)) {
    throw new Error('trustcheck: notifyEmail subscribes to the notices, which sendNotices \'false\' doesn\'t send: ' +
      'leave notifyEmail empty, or set sendNotices \'true\'');
  }
  // Every alarm publishes to the alarm topic: without a subscriber a failure of the detective
  // control reaches nobody, which is worse than no alarm (the SAM template's rule AlarmsReachSomeone).
  if (s.alarmTopicSubscribedElsewhere === 'false' && !set(s.alarmEmail) && !set(s.alarmPagerDutyUrl)) {
    throw new Error('trustcheck: the alarms on trustcheck\'s own failures would reach nobody: set alarmEmail and/or ' +
      'alarmPagerDutyUrl, or alarmTopicSubscribedElsewhere \'true\' if you subscribe an endpoint of your own to the ' +
      'alarm topic (the construct\'s alarmTopic; TrustcheckStack\'s output AlarmTopicArn)');
  }
  // The accounts an organization rule leaves out are organization mode's (the SAM template's rule).
  if (s.excludedAccounts !== '' && s.organizationId === '') {
    throw new Error('trustcheck: excludedAccounts is for organization mode: set organizationId, or leave excludedAccounts empty');
  }
  // Organization mode asks each member account's own Config (the SAM template's rule).
  if (s.configAggregatorName !== '' && s.organizationId !== '') {
    throw new Error('trustcheck: configAggregatorName is for account mode: organization mode asks each member account\'s ' +
      'own Config; leave configAggregatorName empty');
  }
  // Nor is PagerDuty alone enough: deleted or disabled, its integration refuses every alarm, and
  // the alarm on the queue that keeps them needs another route (the SAM template's rule).
  if (s.alarmTopicSubscribedElsewhere === 'false' && !set(s.alarmEmail) && set(s.alarmPagerDutyUrl)) {
    throw new Error('trustcheck: alarmPagerDutyUrl alone is not enough: set alarmEmail too (or ' +
      'alarmTopicSubscribedElsewhere \'true\' with a route of your own), so that the alarm on the alarms PagerDuty ' +
      'refuses (its integration deleted or disabled) reaches someone');
  }
  return s;
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

/**
 * trustcheck: the Config rule's evaluator, the alerts ledger, the notifier, the PagerDuty pager,
 * their queues, topics, key and alarms. One per stack: the log groups, alarms and the key's alias
 * are named after the stack.
 */
export class Trustcheck extends Construct {
  /** The Config rule's name (organization mode: give it to infra/org/organization-rule.yaml). */
  public readonly ruleName: string;
  /** The Config rule; undefined in organization mode (infra/org/organization-rule.yaml creates it). */
  public readonly configRule?: config.CfnConfigRule;
  public readonly evaluatorFunction: lambda.Function;
  public readonly evaluatorRole: iam.Role;
  /** The evaluator sends its notices here (asynchronous invocations). */
  public readonly notifierFunction: lambda.Function;
  /** The pager (PagerDuty route 1); undefined when routingKeyParameterName is empty. */
  public readonly pagerFunction?: lambda.Function;
  /** The alerts ledger (which incidents are open, and on which route). */
  public readonly alertsTable: dynamodb.Table;
  public readonly pageTopic: sns.Topic;
  public readonly notifyTopic: sns.Topic;
  /** The alarms on trustcheck's own failures notify this topic. */
  public readonly alarmTopic: sns.Topic;
  public readonly topicKey: kms.Key;
  /** The alarm topic's own key: the alarms must not stop with the pages' key. */
  public readonly alarmKey: kms.Key;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly evaluatorFailureQueue: sqs.Queue;
  /** Each change of the routing key's SSM parameter; undefined without the pager. */
  public readonly routingKeyChangesQueue?: sqs.Queue;
  /** Every CloudWatch alarm (both queues, every function). */
  public readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, options: TrustcheckProps = {}) {
    super(scope, id);
    if (Stack.of(this).node.findAll().some((c) => c !== this && c instanceof Trustcheck)) {
      throw new Error(`trustcheck: ${Stack.of(this).stackName} already has a Trustcheck (one per stack: names derive from the stack's)`);
    }
    const props = settings(options);
    const organization = props.organizationId !== '';
    const manifestPath = options.cargoManifest ?? path.join(__dirname, '..', '..', '..', '..', 'Cargo.toml');
    const ruleParameters: Record<string, string> = {
      nonCompliantAt: props.nonCompliantAt,
      requireSourceAccount: props.requireSourceAccount,
      exemptTagKey: props.exemptTagKey,
      exemptRoleArnPatterns: props.exemptRoleArnPatterns,
      configAggregatorName: props.configAggregatorName,
      functionRegions: props.functionRegions,
    };
    this.ruleName = props.ruleName;
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
        // Deleted with the stack, as SAM's: a kept group of this fixed name would fail the next
        // deployment of a stack of the same name.
        removalPolicy: RemovalPolicy.DESTROY,
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

    const notifierRole = lambdaExecutionRole(this, 'NotifierRole', 'trustcheck notifier (the evaluator\'s notices to SNS pages)');

    // A service of this account encrypting to or delivering from the topics a key encrypts.
    const serviceUses = (key: kms.Key, sid: string, service: string) => key.addToResourcePolicy(new iam.PolicyStatement({
      sid,
      principals: [new iam.ServicePrincipal(service)],
      actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
    }));
    const topicKey = new kms.Key(this, 'TopicKey', {
      description: 'trustcheck SNS topics (pages carry role names and findings)',
      enableKeyRotation: true,
      alias: `alias/${Stack.of(this).stackName}-topics`,
      // Scheduled for deletion with the stack, as SAM's key: it encrypts nothing else.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    topicKey.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'NotifierPublishesEncrypted',
      principals: [notifierRole],
      actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      resources: ['*'],
      conditions: { StringEquals: { 'kms:ViaService': `sns.${Aws.REGION}.amazonaws.com` } },
    }));
    serviceUses(topicKey, 'SnsDeliversFromEncryptedTopics', 'sns.amazonaws.com');
    // The alarm topic's own key: the alarms that say pages stopped must not stop with them (the
    // topic key disabled, scheduled for deletion or its policy edited). CloudWatch can't publish to
    // a topic encrypted with the AWS managed key alias/aws/sns, and needs these two actions on a
    // customer managed one (SNS developer guide, "compatibility between event sources from AWS
    // services and encrypted topics"), for alarms of this account only. The notifier has no use of it.
    const alarmKey = new kms.Key(this, 'AlarmKey', {
      description: 'trustcheck alarm topic (its own failures), apart from the pages\' key',
      enableKeyRotation: true,
      alias: `alias/${Stack.of(this).stackName}-alarms`,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    serviceUses(alarmKey, 'CloudWatchPublishesToEncryptedAlarmTopic', 'cloudwatch.amazonaws.com');
    serviceUses(alarmKey, 'SnsDeliversFromEncryptedTopics', 'sns.amazonaws.com');

    const pageTopic = new sns.Topic(this, 'PageTopic', { displayName: 'trustcheck pages', masterKey: topicKey });
    const notifyTopic = new sns.Topic(this, 'NotifyTopic', {
      displayName: 'trustcheck findings below the paging threshold',
      masterKey: topicKey,
    });
    // Without a subscriber SNS discards what the topic publishes.
    if (props.notifyEmail !== '') {
      notifyTopic.addSubscription(new subscriptions.EmailSubscription(props.notifyEmail));
    }
    // Only the notifier can page. The Allow names its role; the Deny stops everyone else, including
    // administrators whose IAM policies allow sns:Publish on "*". It denies sns:Publish only (which
    // PublishBatch also needs): managing the topics and their subscriptions stays with IAM in this
    // account, and SNS's own deliveries to the subscriptions are not sns:Publish calls. No subscribe
    // statements: subscribing is up to IAM in this account, as under SNS's default topic policy.
    const pageAndNotifyTopicPolicy = new sns.TopicPolicy(this, 'PageAndNotifyTopicPolicy', {
      topics: [pageTopic, notifyTopic],
    });
    pageAndNotifyTopicPolicy.document.addStatements(
      new iam.PolicyStatement({
        sid: 'NotifierPublishes',
        principals: [new iam.ArnPrincipal(notifierRole.roleArn)],
        actions: ['sns:Publish'],
        resources: [pageTopic.topicArn, notifyTopic.topicArn],
      }),
      new iam.PolicyStatement({
        sid: 'NobodyElsePublishes',
        effect: iam.Effect.DENY,
        principals: [new iam.StarPrincipal()],
        actions: ['sns:Publish'],
        resources: [pageTopic.topicArn, notifyTopic.topicArn],
        conditions: { StringNotEquals: { 'aws:PrincipalArn': notifierRole.roleArn } },
      }),
    );

    // The alarms on trustcheck's own failures (section "alarms" below). It reaches a person by
    // e-mail and/or a PagerDuty CloudWatch integration, never through the pager function, so a
    // broken pager (or page topic) can still be reported.
    const alarmTopic = new sns.Topic(this, 'AlarmTopic', { displayName: 'trustcheck alarms', masterKey: alarmKey });
    const alarmTopicPolicy = new sns.TopicPolicy(this, 'AlarmTopicPolicy', { topics: [alarmTopic] });
    const thisStacksAlarms = `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:${Aws.STACK_NAME}-*`;
    alarmTopicPolicy.document.addStatements(
      new iam.PolicyStatement({
        sid: 'ThisStacksAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [alarmTopic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': thisStacksAlarms },
        },
      }),
      // Nobody else, administrators included: a made-up "OK" of recorder-off published here would
      // resolve the alarm's incident while the recorder stays stopped. A direct publish has no
      // aws:SourceArn, so ArnNotLike holds for it.
      new iam.PolicyStatement({
        sid: 'NobodyElsePublishes',
        effect: iam.Effect.DENY,
        principals: [new iam.StarPrincipal()],
        actions: ['sns:Publish'],
        resources: [alarmTopic.topicArn],
        conditions: { ArnNotLike: { 'aws:SourceArn': thisStacksAlarms } },
      }),
    );
    if (props.alarmEmail !== '') {
      alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }
    let refusedAlarms: sqs.Queue | undefined;
    if (props.alarmPagerDutyUrl !== '') {
      // An alarm PagerDuty refuses (its integration deleted, down past SNS's retries) is kept, not
      // dropped, in a queue of its own, whose alarm reaches alarmEmail (or a route of the
      // deployer's): PagerDuty alone is refused above.
      const alarmFailureQueue = new sqs.Queue(this, 'AlarmFailureQueue', {
        retentionPeriod: Duration.days(14),
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
      });
      alarmTopic.addSubscription(new subscriptions.UrlSubscription(props.alarmPagerDutyUrl, {
        protocol: sns.SubscriptionProtocol.HTTPS,
        deadLetterQueue: alarmFailureQueue,
        deliveryPolicy: pagerDutyDeliveryPolicy,
      }));
      refusedAlarms = alarmFailureQueue;
    }

    // The evaluator's failed asynchronous invocations (Config's evaluation requests and its own sweep
    // continuations), after 2 retries: its on-failure destination. A queue of its own rather than
    // the dead-letter queue because what lands here is different: a missed evaluation, not a lost
    // page. Config's next change trigger or periodic sweep repairs it, not a replay to the notifier
    // or the pager. The messages have another shape as well (destination records wrapping
    // requestPayload, not the original events), and each queue gets its own alarm.
    const evaluatorFailureQueue = new sqs.Queue(this, 'EvaluatorFailureQueue', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });

    // ------------------------------------------------------------ the alerts ledger

    // Which incidents are open, one item per dedup key: the evaluator reads the previous alert state
    // before it decides a page transition and records the new one (with the route the incident was
    // opened on); the pager reads it so that a late or replayed page never closes a newer incident.
    // RemovalPolicy DESTROY, not RETAIN: it only holds which incidents are open, so it is rebuildable
    // state. A lost table means the next sweep re-pages the open roles once.
    const alertsTable = new dynamodb.Table(this, 'AlertsTable', {
      partitionKey: { name: 'dedup_key', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      // An item whose expires_at (epoch seconds) has passed is deleted.
      timeToLiveAttribute: 'expires_at',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // The AWS managed key aws/dynamodb (SSEEnabled); its key policy lets this account's principals
      // use it through DynamoDB, so the roles need no KMS permission.
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // ------------------------------------------------------------ the notifier (evaluator's notice → SNS)

    // No dead-letter queue on the function: the on-failure destination below keeps a failed notice
    // in the same queue, and with both Lambda would send it there twice. No PAGE_AT either: the
    // evaluator decides, the notifier routes.
    const notifier = new RustFunction(this, 'NotifierFunction', {
      ...rust('notifier'),
      description: 'trustcheck notices from the evaluator to PagerDuty-ready SNS pages',
      role: notifierRole,
      logGroup: logGroup('NotifierLogGroup', 'notifier', notifierRole),
      environment: {
        PAGE_TOPIC_ARN: pageTopic.topicArn,
        // Empty: notices are not sent (sendNotices 'false').
        NOTIFY_TOPIC_ARN: props.sendNotices === 'true' ? notifyTopic.topicArn : '',
        ALERTS_TABLE: alertsTable.tableName,
        // The page topic's subscriptions this stack makes, which every page must find there: the
        // HTTPS one by its host (its path holds the integration key); PAGER_FUNCTION_ARN is added
        // with the pager, below.
        PAGE_ROUTE_HTTPS_HOST: props.pagerDutyHttpsEndpoint !== ''
          ? Fn.select(2, Fn.split('/', props.pagerDutyHttpsEndpoint))
          : '',
      },
    });
    // After publishing a page: are the page topic's subscriptions this stack made still there?
    // (SNS delivers a page to nobody without them; the notifier fails, and Lambda keeps the notice
    // in DeadLetterQueue.)
    notifierRole.addToPolicy(new iam.PolicyStatement({
      sid: 'CheckThePageRoute',
      actions: ['sns:ListSubscriptionsByTopic'],
      resources: [pageTopic.topicArn],
    }));
    // Not grantPublish: it would also grant the topic key's actions outside SNS, which the key
    // policy grants the notifier only through SNS (kms:ViaService).
    notifierRole.addToPolicy(new iam.PolicyStatement({
      sid: 'PublishPagesAndNotices',
      actions: ['sns:Publish'],
      resources: [pageTopic.topicArn, notifyTopic.topicArn],
    }));
    // Lambda sends the on-failure destination records with the function's role.
    notifierRole.addToPolicy(new iam.PolicyStatement({
      sid: 'FailedInvocations',
      actions: ['sqs:SendMessage'],
      resources: [deadLetterQueue.queueArn],
    }));
    // Before publishing: does the role's ledger row still call for this page? (Anyone who may
    // invoke the notifier can hand it a notice.)
    notifierRole.addToPolicy(new iam.PolicyStatement({
      sid: 'CheckTheAlertsLedger',
      actions: ['dynamodb:GetItem'],
      resources: [alertsTable.tableArn],
    }));

    // The evaluator invokes the notifier asynchronously with each notice. A failed publish fails the
    // invocation: Lambda retries it twice within 6 hours, then records it (the notice in
    // requestPayload) in the dead-letter queue, which is alarmed. Bound by hand, as the evaluator's.
    notifier.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: { bind: () => ({ destination: deadLetterQueue.queueArn }) },
    });
    // The way a page goes, which the rule waits for (the subscriptions join it below).
    const pagePath: IDependable[] = [
      notifier.node.findChild('EventInvokeConfig'), pageAndNotifyTopicPolicy, deadLetterQueue,
    ];

    // ------------------------------------------------------------ the evaluator (the Config rule)

    const evaluatorRole = lambdaExecutionRole(this, 'EvaluatorRole', 'trustcheck evaluator (AWS Config custom rule)');
    // The evaluation itself, in this account. An organization's evaluator does all of it in the
    // member accounts through their MemberRole (infra/org/member-role.yaml): none of it here.
    if (!organization) {
      evaluatorRole.addToPolicy(new iam.PolicyStatement({
        sid: 'ReadAndWriteEvaluations',
        // These Config, IAM, Lambda and CloudFront actions support no resource-level permissions.
        actions: [
          'config:PutEvaluations',
          'config:GetResourceConfigHistory',
          'config:SelectResourceConfig',
          'iam:ListRoles',
          'lambda:ListFunctions',
          // What the functions' event source mappings stop when the trust breaks.
          'lambda:ListEventSourceMappings',
          // Which function versions CloudFront runs at the edge (Lambda@Edge needs their roles'
          // trust too).
          'cloudfront:ListDistributions',
        ],
        resources: ['*'],
      }));
      // Whether Config records IAM roles here, and whether the rule still takes their change events
      // (read at the end of each sweep: the recorder-off alarm). Read-only; the account's one
      // customer-managed recorder, and this region's rules.
      evaluatorRole.addToPolicy(new iam.PolicyStatement({
        sid: 'ConfigRecorderState',
        actions: [
          'config:DescribeConfigurationRecorders',
          'config:DescribeConfigurationRecorderStatus',
          'config:DescribeConfigRules',
        ],
        resources: ['*'],
      }));
      // The role each version CloudFront runs at the edge keeps (Lambda@Edge takes functions of
      // us-east-1 only).
      evaluatorRole.addToPolicy(new iam.PolicyStatement({
        sid: 'EdgeVersionsRoles',
        actions: ['lambda:GetFunctionConfiguration'],
        resources: [`arn:${Aws.PARTITION}:lambda:us-east-1:${Aws.ACCOUNT_ID}:function:*`],
      }));
      // How many messages wait in a mapped queue of a role whose Lambda trust is broken.
      evaluatorRole.addToPolicy(new iam.PolicyStatement({
        sid: 'MappedQueueBacklog',
        actions: ['sqs:GetQueueAttributes'],
        resources: [`arn:${Aws.PARTITION}:sqs:*:${Aws.ACCOUNT_ID}:*`],
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
    }
    // Lambda sends the on-failure destination records with the function's role.
    evaluatorRole.addToPolicy(new iam.PolicyStatement({
      sid: 'FailedInvocations',
      actions: ['sqs:SendMessage'],
      resources: [evaluatorFailureQueue.queueArn],
    }));
    // The previous alert state of a role, the new one (its steps cleared once sent), and a
    // sweep's look at what is open.
    evaluatorRole.addToPolicy(new iam.PolicyStatement({
      sid: 'AlertsLedger',
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Scan'],
      resources: [alertsTable.tableArn],
    }));
    // Only the evaluator writes the ledger: a row written by anyone else (an open CRITICAL alert
    // that holds every finding) would keep a broken role from paging. A Deny, so that no
    // administrator's Allow lets it through; taking it off takes dynamodb:PutResourcePolicy or
    // DeleteResourcePolicy (docs/deploy.md). `*`: the table's own ARN would be a cycle.
    alertsTable.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'OnlyTheEvaluatorWrites',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: [
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:BatchWriteItem',
        'dynamodb:PartiQLInsert',
        'dynamodb:PartiQLUpdate',
        'dynamodb:PartiQLDelete',
      ],
      resources: ['*'],
      conditions: { ArnNotEquals: { 'aws:PrincipalArn': evaluatorRole.roleArn } },
    }));
    // Page transitions go to the notifier as asynchronous invocations (no cycle: the notifier refers
    // to nothing of the evaluator's). The function's ARN only, not grantInvoke's versions and aliases.
    evaluatorRole.addToPolicy(new iam.PolicyStatement({
      sid: 'SendNoticesToTheNotifier',
      actions: ['lambda:InvokeFunction'],
      resources: [notifier.functionArn],
    }));
    // Organization mode reads Config in the member accounts, never through an aggregator (settings refuses one).
    if (props.configAggregatorName !== '') {
      evaluatorRole.addToPolicy(new iam.PolicyStatement({
        sid: 'FunctionsOfEveryRegionFromTheAggregator',
        // The sources' status: which of the regions are up to date (those stale are listed with Lambda).
        actions: [
          'config:SelectAggregateResourceConfig',
          'config:DescribeConfigurationAggregatorSourcesStatus',
        ],
        resources: [`arn:${Aws.PARTITION}:config:${Aws.REGION}:${Aws.ACCOUNT_ID}:config-aggregator/*`],
      }));
      // Which regions the aggregator's sources name (those left out are listed with Lambda). IAM
      // authorizes this action on "*" only: no resource type, so an aggregator ARN would never match it.
      evaluatorRole.addToPolicy(new iam.PolicyStatement({
        sid: 'SourcesOfTheAggregator',
        actions: ['config:DescribeConfigurationAggregators'],
        resources: ['*'],
      }));
    }
    if (organization) {
      evaluatorRole.addToPolicy(new iam.PolicyStatement({
        sid: 'ActInMemberAccounts',
        actions: ['sts:AssumeRole'],
        resources: [`arn:${Aws.PARTITION}:iam::*:role/${props.memberRoleName}`],
        conditions: { StringEquals: { 'aws:ResourceOrgID': props.organizationId } },
      }));
      // The organization's accounts, and those its organization rule excludes, to name the
      // accounts no sweep reaches (accounts-unswept). Read-only; IAM authorizes ListAccounts on
      // "*" only (no resource type).
      evaluatorRole.addToPolicy(new iam.PolicyStatement({
        sid: 'AccountsOfTheOrganization',
        // AWS documents that Config checks a delegated administrator with ListDelegatedAdministrators
        // for an organization rule's creation; granted so the rule's description can't fail on it.
        actions: ['organizations:ListAccounts', 'config:DescribeOrganizationConfigRules',
          'organizations:ListDelegatedAdministrators'],
        resources: ['*'],
      }));
      // Each member account's last sweep, read by key (the alerts table holds every alert row of
      // the organization too).
      evaluatorRole.addToPolicy(new iam.PolicyStatement({
        sid: 'SweepRecords',
        actions: ['dynamodb:BatchGetItem'],
        resources: [alertsTable.tableArn],
      }));
    }

    const evaluatorLogs = logGroup('EvaluatorLogGroup', 'evaluator', evaluatorRole);
    const evaluator = new RustFunction(this, 'EvaluatorFunction', {
      ...rust('evaluator'),
      description: 'trustcheck Config rule, IAM role trust policies',
      role: evaluatorRole,
      memorySize: 256,
      timeout: Duration.seconds(300),
      logGroup: evaluatorLogs,
      environment: {
        // The rule parameters as deployed (the rule's inputParameters): they count over an
        // event's ruleParameters, so that editing the rule outside this stack can't quiet it.
        // Organization mode too: the organization rule, editable in the delegated administrator,
        // carries only executionRoleName, and every key that judges is this stack's.
        RULE_PARAMETERS: Stack.of(this).toJsonString(organization
          ? { ...ruleParameters, executionRoleName: props.memberRoleName }
          : ruleParameters),
        // The one rule it serves (OrgConfigRule-NAME-… in member accounts): another rule someone
        // points at it is refused.
        RULE_NAME: props.ruleName,
        // The evaluator decides page transitions from the ledger's previous state and the new
        // verdict, and sends each as a notice to the notifier (InvocationType Event).
        ALERTS_TABLE: alertsTable.tableName,
        NOTIFIER_FUNCTION: notifier.functionArn,
        PAGE_AT: props.pageAt,
        PAGES_PER_SWEEP: Tokenization.stringifyNumber(props.pagesPerSweep),
        // Organization mode: each finished sweep records its account in the alerts table, and
        // hourly the accounts with no sweep in the window evaluator-silent waits are logged
        // (accounts-unswept).
        ...(organization ? { SWEEP_WINDOW_HOURS: String(SILENT_HOURS[props.scheduleFrequency]) } : {}),
        // The accounts the organization rule was deployed to leave out: one it excludes beyond
        // them is still counted unswept, and the edit alarms.
        ...(organization ? { EXCLUDED_ACCOUNTS: props.excludedAccounts } : {}),
      },
    });

    // A sweep near its deadline hands the rest of the account to a new invocation of itself. A
    // policy of its own: in the role's default policy it would make the function depend on itself.
    const continuesItsSweep = new iam.Policy(this, 'EvaluatorRoleContinuesItsSweep', {
      roles: [evaluatorRole],
      statements: [new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [evaluator.functionArn] })],
    });

    // Config and the sweep's continuations invoke the evaluator asynchronously. Lambda retries a
    // failed invocation twice, then records it in the failure queue (which is alarmed). The
    // destination is bound by hand: SqsDestination would also grant sqs:GetQueueAttributes and
    // sqs:GetQueueUrl, which the SAM template doesn't (the role gets sqs:SendMessage above).
    evaluator.configureAsyncInvoke({
      retryAttempts: 2,
      onFailure: { bind: () => ({ destination: evaluatorFailureQueue.queueArn }) },
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
      // Not before Config may invoke the evaluator, nor before its failure destination exists: an
      // evaluation failed before it would be dropped after Lambda's retries, in no queue. Nor
      // before a sweep may hand on to a new invocation of itself.
      rule.addResourceDependency(configInvokes);
      rule.node.addDependency(evaluator.node.findChild('EventInvokeConfig'), continuesItsSweep);
      this.configRule = rule;
    }
    // Organization mode creates no rule here: infra/org/organization-rule.yaml creates the
    // organization rule last, once the member roles and the per-account invoke permissions exist
    // (docs/deploy.md). The evaluator runs here for every account and sends the notices itself:
    // nothing comes back from the member accounts.

    // ------------------------------------------------------------ alarms (docs/deploy.md, "How failures reach a person")

    // Every alarm notifies the alarm topic when it fires and, but for the losses (below), when it
    // clears. TreatMissingData notBreaching: no datapoints means no failures (SQS stops sending
    // metrics for idle queues, Lambda for idle functions). Names and descriptions as in
    // infra/template.yaml.
    const alarmAction = new cloudwatchActions.SnsAction(alarmTopic);
    // A loss that leaves nothing in a queue (a failure record, a page or a change dropped) shows in
    // one period's datapoint alone: the alarm is back to OK a period later, and an OK would
    // resolve its PagerDuty incident before anyone acted. Those send no OK: the incident stays
    // open until a person resolves it.
    const alarm = (id: string, name: string, description: string, metric: cloudwatch.IMetric, threshold: number,
      clears: 'clears' | 'loss' = 'clears') => {
      const a = new cloudwatch.Alarm(this, id, {
        alarmName: `${Aws.STACK_NAME}-${name}`,
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(alarmAction);
      if (clears === 'clears') {
        a.addOkAction(alarmAction);
      }
      this.alarms.push(a);
      return a;
    };
    const fiveMinutes = Duration.minutes(5);
    // PagerDuty refused an alarm: said through the alarm topic's other routes. When it fires, not
    // when it clears: its own notification refused again would land in the queue and, with an OK
    // action, make it fire and clear in turn.
    if (refusedAlarms !== undefined) {
      alarm('AlarmFailureQueueAlarm', 'alarms-undelivered',
        'PagerDuty refused an alarm of trustcheck\'s own (its "Amazon CloudWatch" integration deleted or disabled, or '
        + 'down past SNS\'s retries): it is in AlarmFailureQueue, and the other alarms may not reach PagerDuty either. '
        + 'Fix the integration (AlarmPagerDutyUrl), read the queue\'s messages for the alarms missed, then purge it.',
        refusedAlarms.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum' }), 0, 'loss');
      // Each refusal while the queue waits for its purge: a second outage is not hidden behind the first.
      alarm('AlarmFailureQueueArrivalsAlarm', 'alarms-undelivered-arrivals',
        'PagerDuty refused another alarm of trustcheck\'s own into AlarmFailureQueue. Fix the integration '
        + '(AlarmPagerDutyUrl), read the queue\'s messages for the alarms missed, then purge it.',
        refusedAlarms.metricNumberOfMessagesSent({ period: fiveMinutes, statistic: 'Sum' }), 0, 'loss');
    }
    // Depth stays in ALARM while any message waits; arrivals fires again for each new one, so a
    // second loss is not hidden behind the first.
    const queueAlarms = (id: string, name: string, queue: sqs.Queue, depth: string, age: string, arrivals: string) => {
      alarm(`${id}DepthAlarm`, `${name}-depth`, depth,
        queue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: cloudwatch.Stats.MAXIMUM }), 0);
      alarm(`${id}AgeAlarm`, `${name}-age`, age,
        queue.metricApproximateAgeOfOldestMessage({ period: fiveMinutes, statistic: cloudwatch.Stats.MAXIMUM }), 3600);
      alarm(`${id}ArrivalsAlarm`, `${name}-arrivals`, arrivals,
        queue.metricNumberOfMessagesSent({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }), 0);
    };
    queueAlarms('DeadLetterQueue', 'dead-letter-queue', deadLetterQueue,
      'A page (or a notice from the evaluator on its way to the notifier) could not be delivered and ' +
      'is in DeadLetterQueue. Find the cause in the notifier or pager logs, fix it, replay the message.',
      'A message has waited in DeadLetterQueue for more than an hour: a page nobody has replayed. ' +
      'The queue keeps messages for 14 days.',
      'Another page (or notice) reached DeadLetterQueue in the last 5 minutes. Fires for each new one, ' +
      'while the depth alarm stays in ALARM as long as any message waits: a second loss is not ' +
      'hidden behind the first.');
    // Said again a day on: when the alarms route through PagerDuty and PagerDuty itself was down as
    // pages went to DeadLetterQueue, the depth and age alarms' notices were lost too, and they stay
    // in ALARM without a word more.
    alarm('DeadLetterQueueStaleAlarm', 'dead-letter-queue-stale',
      'A message has waited in DeadLetterQueue for more than a day: a page nobody has replayed, whose ' +
      'earlier alarms may have reached nobody (a PagerDuty outage loses them with the pages when the ' +
      'alarms route through PagerDuty too). Replay it before the queue drops it at 14 days.',
      deadLetterQueue.metricApproximateAgeOfOldestMessage({ period: fiveMinutes, statistic: cloudwatch.Stats.MAXIMUM }),
      86_400);
    queueAlarms('EvaluatorFailureQueue', 'evaluator-failures', evaluatorFailureQueue,
      'An asynchronous invocation of the evaluator failed all its attempts and is in ' +
      'EvaluatorFailureQueue: some roles were not evaluated. Read the evaluator\'s logs, fix the ' +
      'cause, re-evaluate the rule.',
      'A failed evaluator invocation has waited in EvaluatorFailureQueue for more than an hour. ' +
      'Re-evaluate the rule, then purge the queue.',
      'Another failed evaluator invocation reached EvaluatorFailureQueue in the last 5 minutes. Fires for ' +
      'each new one, while the depth alarm stays in ALARM as long as any message waits.');
    const functionAlarmDescriptions: Record<string, { errors: string; throttles?: string; delayed?: string }> = {
      evaluator: {
        errors: 'The evaluator failed (an error or a timeout). Lambda retries an asynchronous invocation ' +
          'twice, then records it in EvaluatorFailureQueue. Read the evaluator\'s logs.',
        throttles: 'The evaluator was throttled: the account\'s Lambda concurrency is used up. Config\'s requests ' +
          'wait and are retried for up to 6 hours.',
      },
      notifier: {
        errors: 'The notifier failed to turn a notice from the evaluator into a page (an error or a timeout). ' +
          'Lambda retries it twice, then records the notice in DeadLetterQueue. Read the notifier\'s logs.',
        throttles: 'The notifier was throttled: the account\'s Lambda concurrency is used up. Pages are delayed.',
        // The hop before the pager's: a notice the evaluator handed on waits in the notifier's
        // queue (up to 6 h before it goes to DeadLetterQueue) with no error and no throttle.
        delayed: 'A notice from the evaluator waited more than 10 minutes in Lambda\'s queue before the ' +
          'notifier took it (AsyncEventAge): pages are late. The notifier is slow or stuck (see notifier-errors, ' +
          'notifier-throttles and its logs), or Lambda\'s queue for it is backed up.',
      },
      pager: {
        errors: 'The pager failed to deliver a page to PagerDuty (an error, a timeout, an unreadable routing ' +
          'key). Lambda retries it twice, then the page goes to DeadLetterQueue. Read the pager\'s logs.',
        // No throttles alarm: with a reserved concurrency of 1, every escalation (a resolve and a
        // trigger at once) is throttled and queued, as designed. How long a page waits says
        // whether it is late.
        delayed: 'A page waited more than 10 minutes in Lambda\'s queue before the pager took it ' +
          '(AsyncEventAge): pages are late. The pager is slow or stuck (see pager-errors and its logs), or a ' +
          'burst is larger than it can post at 120 a minute.',
      },
    };
    // A failed invocation its failure destination (or dead-letter queue) could not take is lost
    // without a trace in any queue: its own metric is the only sign.
    const deliveryFailures: Record<string, { metric: string; description: string }> = {
      evaluator: {
        metric: 'DestinationDeliveryFailures',
        description: 'An evaluator invocation that failed all its attempts could not be recorded in ' +
          'EvaluatorFailureQueue (DestinationDeliveryFailures): it is lost, and only this alarm says so. ' +
          'Check the queue\'s policy and key, then re-evaluate the rule.',
      },
      notifier: {
        metric: 'DestinationDeliveryFailures',
        description: 'A notice the notifier failed on could not be recorded in DeadLetterQueue ' +
          '(DestinationDeliveryFailures): a page is lost, and only this alarm says so. Check the queue\'s ' +
          'policy and key, then compare the NON_COMPLIANT roles in Config with PagerDuty\'s open incidents.',
      },
      pager: {
        metric: 'DeadLetterErrors',
        description: 'A page the pager failed on could not be recorded in DeadLetterQueue (DeadLetterErrors): it ' +
          'is lost, and only this alarm says so. Check the queue\'s policy and key, then compare the ' +
          'NON_COMPLIANT roles in Config with PagerDuty\'s open incidents.',
      },
    };
    const functionAlarms = (id: string, name: string, fn: lambda.IFunction) => {
      const descriptions = functionAlarmDescriptions[name];
      alarm(`${id}ErrorsAlarm`, `${name}-errors`, descriptions.errors,
        fn.metricErrors({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }), 0);
      if (descriptions.throttles) {
        alarm(`${id}ThrottlesAlarm`, `${name}-throttles`, descriptions.throttles,
          fn.metricThrottles({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }), 0);
      }
      if (descriptions.delayed) {
        alarm(`${id}DelayedAlarm`, `${name}-delayed`, descriptions.delayed,
          fn.metric('AsyncEventAge', { period: fiveMinutes, statistic: cloudwatch.Stats.MAXIMUM }), 600_000);
      }
      const delivery = deliveryFailures[name];
      alarm(`${id}FailureDeliveryAlarm`, `${name}-failure-delivery`, delivery.description,
        fn.metric(delivery.metric, { period: fiveMinutes, statistic: cloudwatch.Stats.SUM }), 0, 'loss');
    };
    functionAlarms('Evaluator', 'evaluator', evaluator);
    functionAlarms('Notifier', 'notifier', notifier);
    // What evaluator-silent counts: the last part of each periodic sweep logs "sweep done" (the
    // e2e test holds the evaluator's JSON log line to this pattern). Not the evaluator's
    // invocations: change events alone would keep those coming when the rule lost its periodic
    // trigger, and with it every date that runs out, every deleted role's result and every retry
    // left to the next sweep.
    const sweepsDone = new logs.MetricFilter(this, 'EvaluatorSweepsDone', {
      logGroup: evaluatorLogs,
      filterPattern: logs.FilterPattern.literal('{ $.fields.message = "sweep done" }'),
      metricNamespace: `trustcheck/${Aws.STACK_NAME}`,
      metricName: 'SweepsDone',
      metricValue: '1',
      unit: cloudwatch.Unit.COUNT,
    });
    // The alarms on missing data: an evaluator nobody invokes has no failures to count, and a rule
    // that stopped sweeping must not look like a quiet account. Hourly buckets, every one of the
    // window (the sweep's interval and two hours for Config's schedule to drift) empty: a day-long
    // bucket would take two days running to alarm.
    const silentHours = SILENT_HOURS[props.scheduleFrequency];
    const nothingInWindow = (id: string, name: string, description: string, metric: cloudwatch.IMetric) => {
      const a = new cloudwatch.Alarm(this, id, {
        alarmName: `${Aws.STACK_NAME}-${name}`,
        alarmDescription: description,
        metric,
        threshold: 1,
        evaluationPeriods: silentHours,
        datapointsToAlarm: silentHours,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
      a.addAlarmAction(alarmAction);
      a.addOkAction(alarmAction);
      this.alarms.push(a);
    };
    nothingInWindow('EvaluatorSilentAlarm', 'evaluator-silent',
      'No periodic sweep of the roles has finished for longer than the sweep\'s interval and two ' +
        'hours (26 hours for a daily sweep): roles are judged at most on their changes, if at all; a date that runs ' +
        'out, a deleted role and a result or page left to the next sweep wait. Check in the Config console that the ' +
        'rule exists, still has its periodic trigger at the stack\'s ScheduleFrequency and its last evaluation ' +
        'succeeded, that the evaluator still lets config.amazonaws.com invoke it, and the evaluator\'s errors and log ' +
        '(its log format must stay JSON: this alarm counts its "sweep done" lines).',
      sweepsDone.metric({ period: Duration.hours(1), statistic: cloudwatch.Stats.SUM }));
    // evaluator-silent counts log lines, which anyone allowed logs:PutLogEvents on the log group
    // (AWSLambdaBasicExecutionRole grants it on every group) can write: made-up "sweep done" lines
    // would keep it quiet for a deleted rule. Lambda's own count of the evaluator's invocations can't
    // be made up: no invocation at all in the same window is a rule deleted or stripped of all its
    // triggers, or Config's invoke permission removed. (One stripped of its periodic trigger alone
    // is still invoked by change events, which say so: recorder-off.)
    nothingInWindow('EvaluatorUninvokedAlarm', 'evaluator-uninvoked',
      'Nothing has invoked the evaluator (AWS/Lambda Invocations) for longer than the sweep\'s ' +
        'interval and two hours: neither a sweep nor a change event reaches it. The rule was deleted or lost its ' +
        'triggers, or the evaluator no longer lets config.amazonaws.com invoke it. Unlike evaluator-silent, which ' +
        'counts the evaluator\'s log lines, no log line can keep this one quiet. Check the rule in the Config console, ' +
        'and CloudTrail (DeleteConfigRule, PutConfigRule, RemovePermission).',
      evaluator.metricInvocations({ period: Duration.hours(1), statistic: cloudwatch.Stats.SUM }));
    // The same lines say whether Config records IAM roles where the rule runs (recorder_off: 0 or
    // 1, the last part of each sweep asks): stopped, deleted or left without AWS::IAM::Role, the
    // recorder sends no change event, and a changed trust policy waits for the next sweep. Only
    // the 1s are counted, on the last line of a sweep whether or not it counts as one (a test
    // sweep, a token Config refused: whether Config records roles depends on neither): in
    // organization mode each member account's sweep logs its own line, and one account's 0 must
    // not clear another's 1.
    const recorderOff = new logs.MetricFilter(this, 'EvaluatorRecorderOff', {
      logGroup: evaluatorLogs,
      filterPattern: logs.FilterPattern.literal('{ $.fields.recorder_off = 1 }'),
      metricNamespace: `trustcheck/${Aws.STACK_NAME}`,
      metricName: 'RecorderOff',
      metricValue: '1',
      unit: cloudwatch.Unit.COUNT,
    });
    // Organization mode: the evaluator's hourly look at which active accounts of the organization
    // had no sweep in the window (`unswept`: their count; 1 when they could not be listed).
    // Missing data keeps the state: the look comes only after a sweep, hours apart in a small
    // organization, and no sweep at all is evaluator-silent.
    if (organization) {
      const unswept = new logs.MetricFilter(this, 'EvaluatorAccountsUnswept', {
        logGroup: evaluatorLogs,
        filterPattern: logs.FilterPattern.literal('{ $.fields.unswept >= 0 }'),
        metricNamespace: `trustcheck/${Aws.STACK_NAME}`,
        metricName: 'AccountsUnswept',
        metricValue: '$.fields.unswept',
        unit: cloudwatch.Unit.COUNT,
      });
      const a = new cloudwatch.Alarm(this, 'AccountsUnsweptAlarm', {
        alarmName: `${Aws.STACK_NAME}-accounts-unswept`,
        alarmDescription: 'Active accounts of the organization had no finished sweep for longer than the sweep\'s ' +
          'interval and two hours, while others did (evaluator-silent stays quiet then): their roles are not judged. ' +
          'The evaluator\'s log line "organization accounts checked" names them. Check the organization rule\'s ' +
          'status per account (aws configservice get-organization-config-rule-detailed-status), that the evaluator ' +
          'lets config.amazonaws.com of that account invoke it (aws lambda get-policy), and that the member role ' +
          'exists there. Accounts both the organization rule and ExcludedAccounts exclude are left out. Also raised when the accounts ' +
          'could not be listed or compared (the log line says why).',
        metric: unswept.metric({ period: Duration.hours(1), statistic: cloudwatch.Stats.MAXIMUM }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.IGNORE,
      });
      a.addAlarmAction(alarmAction);
      a.addOkAction(alarmAction);
      this.alarms.push(a);
    }
    // A change event says the same once an hour (account mode): a rule stripped of its periodic
    // trigger sweeps no more, so no sweep can say it, while its change events keep
    // evaluator-uninvoked quiet and made-up "sweep done" lines evaluator-silent.
    new logs.MetricFilter(this, 'EvaluatorRuleEdited', {
      logGroup: evaluatorLogs,
      filterPattern: logs.FilterPattern.literal('{ $.fields.rule_edited = 1 }'),
      metricNamespace: `trustcheck/${Aws.STACK_NAME}`,
      metricName: 'RecorderOff',
      metricValue: '1',
      unit: cloudwatch.Unit.COUNT,
    });
    const recorder = new cloudwatch.Alarm(this, 'RecorderOffAlarm', {
      alarmName: `${Aws.STACK_NAME}-recorder-off`,
      alarmDescription: 'A sweep (or, hourly, a change event) found that AWS Config does not record IAM roles where the rule ' +
        'runs, or that the rule is not as deployed: the configuration recorder is stopped or deleted, leaves ' +
        'AWS::IAM::Role out of its recording group, records it only daily, could not be read, the Region ' +
        'can\'t record IAM roles, or the rule was edited (change triggers dropped: a trust policy changed now' +
        ' waits for the next sweep; periodic trigger dropped: no sweep comes; scope narrowed). Stopping the ' +
        'recorder is a known way to hide a change. The evaluator\'s log says which. Start the recorder, ' +
        'record AWS::IAM::Role in this Region, or put the rule\'s triggers and scope back, and find out who ' +
        'changed it (CloudTrail: StopConfigurationRecorder, PutConfigurationRecorder, PutConfigRule). In ' +
        'organization mode the log line names the account. It clears once nothing has found it for the ' +
        'sweep\'s interval and two hours.',
      metric: recorderOff.metric({ period: Duration.hours(1), statistic: cloudwatch.Stats.SUM }),
      threshold: 0,
      // Any hour of the sweep's interval and two hours more (as evaluator-silent's window): a
      // recorder still off is found again by the next sweep before the alarm clears.
      evaluationPeriods: silentHours,
      datapointsToAlarm: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    recorder.addAlarmAction(alarmAction);
    recorder.addOkAction(alarmAction);
    this.alarms.push(recorder);
    // SNS drops a page a subscription's filter policy doesn't match, and sends nothing to a topic
    // nobody is subscribed to, without a failure anywhere: the pager is never invoked, so none of
    // the alarms above can fire. The stack's own subscriptions have no filter policy.
    const pageMetric = (name: string, period: Duration) =>
      pageTopic.metric(name, { period, statistic: cloudwatch.Stats.SUM });
    const filteredOut = ['', '-MessageBody', '-NoMessageAttributes', '-InvalidAttributes', '-InvalidMessageBody'];
    alarm('PagesFilteredOutAlarm', 'pages-filtered-out',
      'A subscription\'s filter policy kept a page from its subscriber (the SNS metrics ' +
      'NumberOfNotificationsFilteredOut* of PageTopic): someone added a filter policy to the pager\'s ' +
      'or PagerDuty\'s subscription, or subscribed with one. Remove the filter policy (aws sns ' +
      'get-subscription-attributes / set-subscription-attributes), then compare the NON_COMPLIANT ' +
      'roles in Config with PagerDuty\'s open incidents.',
      new cloudwatch.MathExpression({
        expression: filteredOut.map((_, i) => `FILL(f${i}, 0)`).join(' + '),
        label: 'pages filtered out',
        usingMetrics: Object.fromEntries(filteredOut.map((suffix, i) =>
          [`f${i}`, pageMetric(`NumberOfNotificationsFilteredOut${suffix}`, fiveMinutes)])),
        period: fiveMinutes,
      }), 0, 'loss');
    alarm('PagesNotRedrivenAlarm', 'pages-not-redriven',
      'SNS could deliver a page to neither its subscriber (the pager or PagerDuty) nor, after its ' +
      'retries, DeadLetterQueue (NumberOfNotificationsFailedToRedriveToDlq of PageTopic): the ' +
      'queue or its policy was changed or deleted. The page is lost, and only this alarm says so. ' +
      'Redeploy the stack to restore the queue and its policy, then compare the NON_COMPLIANT roles ' +
      'in Config with PagerDuty\'s open incidents.',
      pageMetric('NumberOfNotificationsFailedToRedriveToDlq', fiveMinutes), 0, 'loss');
    const quarterHour = Duration.minutes(15);
    const pageRoutes = Number(props.routingKeyParameterName !== '') + Number(props.pagerDutyHttpsEndpoint !== '');
    alarm('PagesUndeliveredAlarm', 'pages-undelivered',
      'Fewer pages were delivered from PageTopic in these 15 minutes than were published, times ' +
      'each subscription the stack made: one was removed (the pager\'s or PagerDuty\'s), a filter ' +
      'policy dropped them, or SNS failed to deliver them past its retries (then they are in ' +
      'DeadLetterQueue, and dead-letter-queue-arrivals fires too). Restore the subscription ' +
      '(redeploy the stack) or see DeadLetterQueue, then compare the NON_COMPLIANT roles in ' +
      'Config with PagerDuty\'s open incidents. A page published in the last moment of a period ' +
      'and delivered in the next (after SNS\'s retries to PagerDuty, up to about a minute) can ' +
      'raise it once; it clears at the next period.',
      new cloudwatch.MathExpression({
        // Each page goes to every subscription the stack makes: with both routes, two deliveries.
        // No NumberOfNotificationsFailed: for an HTTPS subscription it counts every failed attempt,
        // retries included, so a page delivered on a retry would offset a missing delivery. A page
        // that fails for good counts here as undelivered, and is in the dead-letter queue (its
        // alarms) or lost (pages-not-redriven).
        expression: `FILL(published, 0)${pageRoutes > 1 ? ` * ${pageRoutes}` : ''} - FILL(delivered, 0)`,
        label: 'pages not delivered',
        usingMetrics: {
          published: pageMetric('NumberOfMessagesPublished', quarterHour),
          delivered: pageMetric('NumberOfNotificationsDelivered', quarterHour),
        },
        period: quarterHour,
      }), 0);

    // Notices SNS hands to nobody (no subscription, one never confirmed): it discards them. None
    // are sent with sendNotices 'false', and nothing is to be alarmed.
    if (props.sendNotices === 'true') {
      const notifyMetric = (name: string) =>
        notifyTopic.metric(name, { period: quarterHour, statistic: cloudwatch.Stats.SUM });
      alarm('NoticesUndeliveredAlarm', 'notices-undelivered',
        'Fewer notices (findings below PageAt: a LAMBDA_TRUST_EXPIRING that warns of an outage to ' +
        'come, an unconditioned cross-account trust) were delivered from NotifyTopic in these 15 ' +
        'minutes than were published: nothing is subscribed (NotifyEmail empty, or its ' +
        'subscription never confirmed) or a subscription was removed, and SNS discards them; or ' +
        'SNS failed to deliver them past its retries (notices-failed fires too). Subscribe a ' +
        'reader to NotifyTopic (NotifyEmail, confirmed; or a chat integration), or fix the one ' +
        'that fails, then read the NON_COMPLIANT roles in Config.',
        new cloudwatch.MathExpression({
          // No NumberOfNotificationsFailed, as for pages-undelivered: an HTTPS subscriber's retries
          // would count there and offset a notice delivered to nobody.
          expression: 'FILL(published, 0) - FILL(delivered, 0)',
          label: 'notices not delivered',
          usingMetrics: {
            published: notifyMetric('NumberOfMessagesPublished'),
            delivered: notifyMetric('NumberOfNotificationsDelivered'),
          },
          period: quarterHour,
        }), 0);

      // A notice SNS failed to deliver (a bounced e-mail, a failing integration) is lost: NotifyTopic's
      // subscriptions have no dead-letter queue. NumberOfNotificationsFailed counts such a notice once
      // for an e-mail subscriber (the stack's), but every failed attempt, retries included, for an
      // HTTP/S one. Left as it is: no topic metric tells a retried HTTP/S delivery from a lost one, and
      // discounting failures by deliveries would let another subscriber's deliveries hide a bounced
      // e-mail. Loud, not silent.
      alarm('NoticesFailedAlarm', 'notices-failed',
        'SNS failed a delivery of a notice to a subscriber of NotifyTopic ' +
        '(NumberOfNotificationsFailed). For an e-mail subscriber (a bounce), SNS counts a notice it ' +
        'gave up on: NotifyTopic\'s subscriptions have no dead-letter queue, so the notice (a ' +
        'LAMBDA_TRUST_EXPIRING that warns of an outage to come, an unconditioned cross-account ' +
        'trust) is lost, and only this alarm says so. For an HTTP/S subscriber (a chat ' +
        'integration), SNS counts every failed attempt, retries included: a notice delivered on a ' +
        'retry raises it too (with that subscriber alone, notices-undelivered fires only for a ' +
        'notice lost). Fix the subscriber, then read the NON_COMPLIANT roles in Config.',
        notifyTopic.metric('NumberOfNotificationsFailed', { period: fiveMinutes, statistic: cloudwatch.Stats.SUM }), 0);
    }

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
      // Before posting: does the role's ledger row still call for this page?
      pagerRole.addToPolicy(new iam.PolicyStatement({
        sid: 'CheckTheAlertsLedger',
        actions: ['dynamodb:GetItem'],
        resources: [alertsTable.tableArn],
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
        // PagerDuty's Events API allows ~120 events/min per routing key; one pager at a time with
        // its own pacing stays under it. Pages beyond one wait in Lambda's asynchronous queue
        // (throttled events are retried for up to 6 hours, then go to the dead-letter queue).
        // Reserving needs an account concurrency quota that leaves 100 unreserved (docs/deploy.md).
        reservedConcurrentExecutions: 1,
        logGroup: logGroup('PagerLogGroup', 'pager', pagerRole),
        deadLetterQueue,
        environment: {
          ROUTING_KEY_PARAMETER: props.routingKeyParameterName,
          PAGERDUTY_EVENTS_URL: props.pagerDutyEventsUrl,
          // A page PagerDuty refuses (400) goes here with the reason, never posted again.
          DEAD_LETTER_QUEUE_URL: deadLetterQueue.queueUrl,
          // The pager posts a role's page only when its ledger row agrees: a late retry, a replay
          // from the dead-letter queue or a page handed to it by hand never closes an open incident.
          ALERTS_TABLE: alertsTable.tableName,
        },
      });
      notifier.addEnvironment('PAGER_FUNCTION_ARN', pager.functionArn);
      pagePath.push(pager, pageTopic.addSubscription(new subscriptions.LambdaSubscription(pager, { deadLetterQueue })));
      functionAlarms('Pager', 'pager', pager);
      this.pagerFunction = pager;

      // A routing key overwritten in SSM (by mistake, or by an insider with ssm:PutParameter) sends
      // every page to another PagerDuty service, which accepts them: no error, no dead letter. SSM
      // reports each change of the parameter to EventBridge; each lands in this queue, whose depth
      // alarms until someone who knew of the change deletes the message (it says which operation).
      const routingKeyChanges = new sqs.Queue(this, 'RoutingKeyChangesQueue', {
        retentionPeriod: Duration.days(14),
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
      });
      // SSM names the parameter in the event both by name and by ARN: either matches (`$or`, which
      // the typed EventPattern has no field for).
      const routingKeyChanged = new events.CfnRule(this, 'RoutingKeyChangedRule', {
        description: 'Every change of the PagerDuty routing key\'s SSM parameter (Create, Update, Delete, LabelParameterVersion)',
        eventPattern: {
          'source': ['aws.ssm'],
          'detail-type': ['Parameter Store Change'],
          '$or': [{ detail: { name: [props.routingKeyParameterName] } }, { resources: [parameterArn] }],
        },
        targets: [{ id: 'RoutingKeyChangesQueue', arn: routingKeyChanges.queueArn }],
      });
      routingKeyChanges.addToResourcePolicy(new iam.PolicyStatement({
        sid: 'RoutingKeyChangeEvents',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [routingKeyChanges.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': routingKeyChanged.attrArn } },
      }));
      alarm('RoutingKeyChangedAlarm', 'routing-key-changed',
        'The PagerDuty routing key\'s SSM parameter (RoutingKeyParameterName) was created, updated or deleted: from ' +
        'now on pages go to the service whose key it holds. If you rotated it, delete the message in ' +
        'RoutingKeyChangesQueue to clear this alarm (it clears by itself only when the queue drops it, after 14 days). ' +
        'If nobody did, find out who (CloudTrail: PutParameter, DeleteParameter), put the right key back, and replay ' +
        'the pages sent since (the pager\'s log names each page it delivered).',
        // Visible and in flight: a message someone only received (and so hid for a while) is not
        // deleted, and must not clear the alarm.
        new cloudwatch.MathExpression({
          expression: 'FILL(visible, 0) + FILL(received, 0)',
          usingMetrics: {
            visible: routingKeyChanges.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: cloudwatch.Stats.MAXIMUM }),
            received: routingKeyChanges.metricApproximateNumberOfMessagesNotVisible({ period: fiveMinutes, statistic: cloudwatch.Stats.MAXIMUM }),
          },
          period: fiveMinutes,
        }),
        0);
      // Each change, even one whose message a script receives and deletes within the minute,
      // before the depth is sampled: what SQS counts as sent, which no delete takes back.
      alarm('RoutingKeyChangesArrivalsAlarm', 'routing-key-changes-arrivals',
        'A change of the PagerDuty routing key\'s SSM parameter arrived in RoutingKeyChangesQueue in the last 5 ' +
        'minutes (it fires for each, even one whose message was deleted at once, which routing-key-changed may not ' +
        'see). If you rotated the key, nothing to do. If nobody did, see routing-key-changed.',
        routingKeyChanges.metricNumberOfMessagesSent({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }), 0);
      // A change event EventBridge could not put in the queue (its policy or encryption changed, the
      // queue deleted) is dropped, the rule having no dead-letter queue: neither alarm above would
      // see it. FailedInvocations counts only what failed for good, not what a retry delivered.
      alarm('RoutingKeyChangesFailedAlarm', 'routing-key-changes-failed',
        'EventBridge could not deliver a change of the PagerDuty routing key\'s SSM parameter to ' +
        'RoutingKeyChangesQueue (FailedInvocations of RoutingKeyChangedRule): the queue, its policy or its ' +
        'encryption was changed or deleted, and the change is lost, so routing-key-changed can\'t fire for it. ' +
        'Redeploy the stack to restore the queue and its policy, then check the parameter\'s history (aws ssm ' +
        'get-parameter-history; CloudTrail: PutParameter, DeleteParameter) for a change nobody made.',
        new cloudwatch.Metric({
          namespace: 'AWS/Events',
          metricName: 'FailedInvocations',
          dimensionsMap: { RuleName: routingKeyChanged.ref },
          period: fiveMinutes,
          statistic: cloudwatch.Stats.SUM,
        }), 0, 'loss');
      this.routingKeyChangesQueue = routingKeyChanges;
    }
    if (props.pagerDutyHttpsEndpoint !== '') {
      pagePath.push(pageTopic.addSubscription(new subscriptions.UrlSubscription(props.pagerDutyHttpsEndpoint, {
        protocol: sns.SubscriptionProtocol.HTTPS,
        deadLetterQueue,
        deliveryPolicy: pagerDutyDeliveryPolicy,
      })));
    }
    // Not before the way a page goes exists: Config evaluates every role once the rule exists, and
    // a page published before its subscriptions exist is dropped by SNS (one that fails before
    // the queue's policy lets SNS redrive it, lost), while its alert is recorded as sent and no
    // later sweep pages it again. (An HTTPS subscription's confirmation can't be waited on.)
    this.configRule?.node.addDependency(...pagePath);

    this.evaluatorFunction = evaluator;
    this.evaluatorRole = evaluatorRole;
    this.notifierFunction = notifier;
    this.alertsTable = alertsTable;
    this.pageTopic = pageTopic;
    this.notifyTopic = notifyTopic;
    this.alarmTopic = alarmTopic;
    this.topicKey = topicKey;
    this.alarmKey = alarmKey;
    this.deadLetterQueue = deadLetterQueue;
    this.evaluatorFailureQueue = evaluatorFailureQueue;
  }
}
