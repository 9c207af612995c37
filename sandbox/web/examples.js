// The classic failures, one click each. `finding` is the id each one shows (the browser test
// checks it); the account ids and names are made up.

const doc = (...statements) => JSON.stringify({ Version: '2012-10-17', Statement: statements }, null, 2);

export const EXAMPLES = [
  {
    id: 'edge-only',
    title: 'Edge-only trust',
    finding: 'LAMBDA_TRUST_MISSING',
    // Only Lambda@Edge is trusted: the function's role can't be assumed by lambda.amazonaws.com.
    policy: doc({
      Effect: 'Allow',
      Principal: { Service: 'edgelambda.amazonaws.com' },
      Action: 'sts:AssumeRole',
    }),
    functions: ['arn:aws:lambda:us-east-1:111122223333:function:orders-edge'],
  },
  {
    id: 'account-root',
    title: 'Account root',
    finding: 'CROSS_ACCOUNT_UNCONDITIONED',
    // A Lambda role that also trusts a whole other account, with no external id.
    policy: doc(
      {
        Effect: 'Allow',
        Principal: { Service: 'lambda.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' } },
      },
      { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'sts:AssumeRole' },
    ),
    functions: ['arn:aws:lambda:eu-west-1:111122223333:function:invoice-render'],
  },
  {
    id: 'principal-star',
    title: '"Principal": "*" bad fix',
    finding: 'TRUST_PUBLIC',
    // The panic fix for a Lambda that couldn't assume its role: now anyone can.
    policy: doc(
      { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      { Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole' },
    ),
    functions: ['arn:aws:lambda:us-east-1:111122223333:function:payments-worker'],
  },
  {
    id: 'wrong-source-arn',
    title: 'SourceArn of another function',
    finding: 'LAMBDA_TRUST_CONDITION_BLOCKS',
    // Pinned to orders-v1; the role is now used by orders-v2, which Lambda can't assume it for.
    policy: doc({
      Effect: 'Allow',
      Principal: { Service: 'lambda.amazonaws.com' },
      Action: 'sts:AssumeRole',
      Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:lambda:us-east-1:111122223333:function:orders-v1' } },
    }),
    functions: ['arn:aws:lambda:us-east-1:111122223333:function:orders-v2'],
  },
  {
    id: 'github-oidc',
    title: 'Unscoped GitHub OIDC',
    finding: 'TRUST_OIDC_UNSCOPED',
    // Only the audience is checked: every workflow of every repository on GitHub can assume it.
    policy: doc({
      Effect: 'Allow',
      Principal: { Federated: 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com' },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' } },
    }),
    functions: [],
    roleArn: 'arn:aws:iam::111122223333:role/github-deploy',
  },
];
