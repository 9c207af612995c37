// The sandbox's redaction (sandbox/web/redact.js) on its own, in node: what it must hide, wherever
// it stands, and what it must leave as written (the policy's own words, the engine's markers).
// The page's browser test (browser.mjs) checks the same on the rendered examples.
//
// Usage: node sandbox/tests/redact.mjs

import assert from 'node:assert/strict';
import { Redactor, percentDecoded } from '../web/redact.js';

let failures = 0;
function check(name, body) {
  try {
    body();
    console.log(`ok  ${name}`);
  } catch (error) {
    failures++;
    console.log(`FAIL ${name}\n${error.message}`);
  }
}

/** The policy as the page shows it redacted: learned as the page learns it, then applied. */
function redacted(policy, inputs = '') {
  const redactor = new Redactor();
  redactor.learn(policy, { policy: true });
  redactor.learn(inputs);
  return redactor.apply(JSON.stringify(JSON.parse(percentDecoded(policy)), null, 2));
}

const policy = (statements) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

check('an account id is replaced wherever it stands, a Sid or a tag value too', () => {
  const out = redacted(policy([{ Sid: 'Trust111122223333', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:role/ci' },
    Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:PrincipalTag/cost': 'cc_444455556666' } } }]));
  assert.doesNotMatch(out, /111122223333|444455556666/, out);
  assert.match(out, /"TrustACCOUNT-\d"/, out);
});

check('a bucket, an API id and a wildcarded ARN\'s names and account are replaced', () => {
  const out = redacted(policy([{ Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'sts:AssumeRole',
    Condition: { ArnLike: { 'aws:SourceArn': [
      'arn:aws:s3:::acmecorp-prod-uploads/*',
      'arn:aws:execute-api:eu-west-1:111122223333:a1b2c3d4e5/prod/POST/x',
      'arn:aws:events:eu-west-?:111122223333:rule/acme-payroll-nightly',
      'arn:aws:events:eu-west-1:44445555666?:rule/x',
    ] } } }]));
  for (const secret of ['acmecorp-prod-uploads', 'a1b2c3d4e5', 'acme-payroll-nightly', '44445555666']) {
    assert.ok(!out.includes(secret), `${secret} in ${out}`);
  }
  assert.match(out, /s3\.amazonaws\.com/, 'the service principal as written');
});

check('an external id is replaced, a number, an escaped one, one the page can\'t decode', () => {
  const numeric = redacted(policy([{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:role/ci' }, Action: 'sts:AssumeRole',
    Condition: { StringEquals: { 'sts:ExternalId': 98765432 } } }]));
  assert.ok(!numeric.includes('98765432'), numeric);
  const escaped = redacted(policy([{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:role/ci' }, Action: 'sts:AssumeRole',
    Condition: { StringEquals: { 'sts:ExternalId': 'ab"cd-secret' } } }]));
  assert.ok(!escaped.includes('cd-secret'), escaped);
  // A stray `%` (hand-edited text): the engine decodes the rest, and so does the page.
  const text = policy([{ Sid: 'Allow 100%', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:role/acme-ci-deployer' },
    Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': 'TopSecretExt42' } } }]);
  const encoded = encodeURIComponent(text).replace('100%25', '100%');
  assert.equal(percentDecoded(encoded), text);
  const out = redacted(encoded);
  assert.ok(!out.includes('TopSecretExt42') && !out.includes('acme-ci-deployer'), out);
});

check('a private issuer and what follows any issuer\'s host are replaced; a public host is kept', () => {
  const eks = 'oidc.eks.eu-west-1.amazonaws.com/id/5C5E2D7B1A0F4C3E9D8B7A6F5E4D3C2B';
  const out = redacted(policy([
    { Effect: 'Allow', Principal: { Federated: `arn:aws:iam::111122223333:oidc-provider/${eks}` }, Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { StringEquals: { [`${eks}:sub`]: 'system:serviceaccount:payments:ledger', 'aws:PrincipalOrgID': 'o-acme123xyz' } } },
    { Effect: 'Allow', Principal: { Federated: 'arn:aws:iam::111122223333:oidc-provider/gitlab.acme-corp.com' }, Action: 'sts:AssumeRoleWithWebIdentity' },
    { Effect: 'Allow', Principal: { Federated: 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com' }, Action: 'sts:AssumeRoleWithWebIdentity' },
  ]));
  for (const secret of ['5C5E2D7B1A0F4C3E9D8B7A6F5E4D3C2B', 'gitlab.acme-corp.com', 'o-acme123xyz']) {
    assert.ok(!out.includes(secret), `${secret} in ${out}`);
  }
  assert.match(out, /oidc\.eks\.eu-west-1\.amazonaws\.com\/id\/name-\d/, out);
  assert.match(out, /token\.actions\.githubusercontent\.com/, out);
});

check('the policy\'s words, statement numbers and service principals stay as written', () => {
  const redactor = new Redactor();
  redactor.learn('arn:aws:lambda:us-east-1:111122223333:function:payments-worker:1\narn:aws:lambda:us-east-1:111122223333:function:Allow');
  redactor.learn('arn:aws:iam::111122223333:role/lambda');
  const text = 'statement 1 trusts "*"; "Effect": "Allow", "Service": "lambda.amazonaws.com"; payments-worker stops';
  assert.equal(redactor.apply(text), 'statement 1 trusts "*"; "Effect": "Allow", "Service": "lambda.amazonaws.com"; name-1 stops');
  // Nor an action's or a condition key's name that a role or function is also called.
  redactor.learn('arn:aws:iam::111122223333:role/AssumeRole\narn:aws:lambda:us-east-1:111122223333:function:SourceArn');
  const out = redactor.apply('"sts:AssumeRole", "aws:SourceArn": "…:function:SourceArn", role/AssumeRole');
  assert.match(out, /^"sts:AssumeRole", "aws:SourceArn": "…:function:name-\d", role\/name-\d$/, out);
});

check('the engine\'s fill-in markers stay as written', () => {
  const redactor = new Redactor();
  const text = 'arn:aws:iam::111122223333:role/REPLACE_WITH_TRUSTED_ROLE';
  assert.equal(redactor.apply(text), 'arn:aws:iam::ACCOUNT-1:role/REPLACE_WITH_TRUSTED_ROLE');
});

check('a value cut short at the end of a text, and an account with a wildcard anywhere, are replaced', () => {
  const redactor = new Redactor();
  redactor.learn(policy([{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole',
    Condition: { StringEquals: { 'sts:ExternalId': 'TopSecretExternalId1234567890', 'aws:PrincipalAccount': '44445555666?' } } }]), { policy: true });
  assert.equal(redactor.apply('… StringEquals sts:ExternalId TopSecretExte…'), '… StringEquals sts:ExternalId EXTERNAL-ID-1…');
  // Cut inside an ARN; and a word of the text cut short, which a name starts with too, stays.
  redactor.learn('arn:aws:iam::777788889999:role/principal-reader');
  assert.equal(redactor.apply('trusts arn:aws:iam::7777888…'), 'trusts arn:aws:iam::ACCOUNT-2…');
  assert.equal(redactor.apply('may assume this role unless princ…'), 'may assume this role unless princ…');
  assert.equal(redactor.apply('repository_id 7654321*'), 'repository_id 7654321*');
  const out = redactor.apply('aws:PrincipalAccount 44445555666? or 4444555566*, Version 2012-10-17');
  assert.match(out, /^aws:PrincipalAccount ACCOUNT-\d or ACCOUNT-\d, Version 2012-10-17$/, out);
});

check('the engine\'s external id marker is no external id', () => {
  const redactor = new Redactor();
  const suggested = policy([{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 'sts:AssumeRole',
    Condition: { StringEquals: { 'sts:ExternalId': 'REPLACE_WITH_EXTERNAL_ID (no caller can send this)' } } }]);
  redactor.learn(suggested, { policy: true });
  const out = redactor.apply(suggested);
  assert.ok(out.includes('"sts:ExternalId":"REPLACE_WITH_EXTERNAL_ID (no caller can send this)"'), out);
});

check('a policy with a list of 200,000 values is learned', () => {
  const values = Array.from({ length: 200000 }, (_, i) => `v${i}`);
  new Redactor().learn(policy([{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole',
    Condition: { StringEquals: { 'aws:x': values } } }]), { policy: true });
});

check('a policy nested thousands deep is learned without overflowing the stack', () => {
  const deep = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:x":${'['.repeat(5000)}${']'.repeat(5000)}}}}]}`;
  new Redactor().learn(deep, { policy: true });
});

if (failures > 0) {
  console.log(`${failures} redaction check(s) failed`);
  process.exit(1);
}
