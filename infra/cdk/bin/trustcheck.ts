#!/usr/bin/env node
// The CDK app: `npx cdk synth` (offline; TRUSTCHECK_SKIP_BUNDLING=1 skips the Rust build) or `npx cdk deploy` (builds the three functions with `cargo lambda build --release
// --arm64`). Settings are CDK context: cdk.json holds the defaults, `-c key=value` overrides them.
import { App } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { SCHEDULE_FREQUENCIES, ScheduleFrequency, Severity } from '../lib/trustcheck';
import { TrustcheckStack } from '../lib/trustcheck-stack';

// TRUSTCHECK_SKIP_BUNDLING=1: synthesize without building the Rust functions (the offline checks
// in `make infra-test`); the template is the same, the code assets are placeholders.
const skipBundling = process.env.TRUSTCHECK_SKIP_BUNDLING === '1';
const app = new App();
if (skipBundling) {
  // Overrides what the CLI passes (it asks to bundle every stack it synthesizes).
  app.node.setContext('aws:cdk:bundling-stacks', []);
}
const context = (key: string): string => {
  const value = app.node.tryGetContext(key);
  if (value === undefined || value === null) {
    throw new Error(`context ${key} is missing (cdk.json sets every key)`);
  }
  return String(value);
};
const severity = (key: string): Severity => {
  const value = context(key);
  if (!['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'].includes(value)) {
    throw new Error(`context ${key} is ${value}: expected LOW, MEDIUM, HIGH or CRITICAL`);
  }
  return value as Severity;
};
const scheduleFrequency = context('scheduleFrequency');
if (!(SCHEDULE_FREQUENCIES as readonly string[]).includes(scheduleFrequency)) {
  throw new Error(`context scheduleFrequency is ${scheduleFrequency}: expected ${SCHEDULE_FREQUENCIES.join(', ')}`);
}
const requireSourceAccount = context('requireSourceAccount');
if (requireSourceAccount !== 'true' && requireSourceAccount !== 'false') {
  throw new Error(`context requireSourceAccount is ${requireSourceAccount}: expected true or false`);
}
// The same patterns as the SAM parameters NotifyEmail, AlarmEmail and AlarmPagerDutyUrl (empty: no
// subscription).
const [notifyEmail, alarmEmail] = ['notifyEmail', 'alarmEmail'].map((key) => {
  const email = context(key);
  if (!/^(|[^@\s]+@[^@\s]+)$/.test(email)) {
    throw new Error(`context ${key} is ${email}: expected an e-mail address or nothing`);
  }
  return email;
});
// The same bounds as the SAM parameter PagesPerSweep.
const pagesPerSweep = Number(context('pagesPerSweep'));
if (!Number.isInteger(pagesPerSweep) || pagesPerSweep < 1 || pagesPerSweep > 100) {
  throw new Error(`context pagesPerSweep is ${context('pagesPerSweep')}: expected an integer from 1 to 100`);
}
const alarmPagerDutyUrl = context('alarmPagerDutyUrl');
if (!/^(|https:\/\/.+)$/.test(alarmPagerDutyUrl)) {
  throw new Error('context alarmPagerDutyUrl: expected an https:// URL or nothing');
}
const subscribedElsewhere = context('alarmTopicSubscribedElsewhere');
if (subscribedElsewhere !== 'true' && subscribedElsewhere !== 'false') {
  throw new Error(`context alarmTopicSubscribedElsewhere is ${subscribedElsewhere}: expected true or false`);
}
// cdk.json names no alarm route, so the construct refuses a synth without one (-c alarmEmail=...).
const alarmTopicSubscribedElsewhere: 'true' | 'false' = subscribedElsewhere;
const pagesElsewhere = context('pageTopicSubscribedElsewhere');
if (pagesElsewhere !== 'true' && pagesElsewhere !== 'false') {
  throw new Error(`context pageTopicSubscribedElsewhere is ${pagesElsewhere}: expected true or false`);
}
const pageTopicSubscribedElsewhere: 'true' | 'false' = pagesElsewhere;
const notices = context('sendNotices');
if (notices !== 'true' && notices !== 'false') {
  throw new Error(`context sendNotices is ${notices}: expected true or false`);
}
const sendNotices: 'true' | 'false' = notices;

new TrustcheckStack(app, 'Trustcheck', {
  description: 'trustcheck: IAM role trust-policy Config rule, alerts ledger, notifier and PagerDuty pager (CDK)',
  ruleName: context('ruleName'),
  scheduleFrequency: scheduleFrequency as ScheduleFrequency,
  nonCompliantAt: severity('nonCompliantAt'),
  requireSourceAccount,
  exemptTagKey: context('exemptTagKey'),
  exemptRoleArnPatterns: context('exemptRoleArnPatterns'),
  configAggregatorName: context('configAggregatorName'),
  functionRegions: context('functionRegions'),
  pageAt: severity('pageAt'),
  pagesPerSweep,
  routingKeyParameterName: context('routingKeyParameterName'),
  pagerDutyEventsUrl: context('pagerDutyEventsUrl'),
  pagerDutyHttpsEndpoint: context('pagerDutyHttpsEndpoint'),
  pageTopicSubscribedElsewhere,
  notifyEmail,
  sendNotices,
  alarmEmail,
  alarmPagerDutyUrl,
  alarmTopicSubscribedElsewhere,
  organizationId: context('organizationId'),
  memberRoleName: context('memberRoleName'),
  excludedAccounts: context('excludedAccounts'),
  logRetentionDays: Number(context('logRetentionDays')) as RetentionDays,
});
