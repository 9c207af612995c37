//! Rule-engine throughput over a generated mixed corpus: decode + evaluate + verdict, next to bare
//! `serde_json` parsing of the same documents, and separately the suggested policy.
//!
//! `make bench` runs it; criterion prints `thrpt` in policies (elements) per second.
//! `make bench CORPUS=FILE` (or `TRUSTCHECK_CORPUS=FILE`) measures any corpus instead: one trust
//! policy per line, plain or percent-encoded JSON.
//!
//! With the system allocator, as the Config rule's Lambda functions run the engine;
//! `engine_mimalloc` is the same benchmark with the CLI's allocator.

use std::hint::black_box;

use criterion::{criterion_group, Criterion, Throughput};
use serde_json::{json, Value};
use trustcheck::{check, evaluate, Compliance, Role, RuleParams};

const ACCOUNT: &str = "111122223333";

/// A deterministic generator, so every run measures the same corpus.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

fn lambda(condition: bool) -> Value {
    let mut s =
        json!({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"});
    if condition {
        s["Condition"] = json!({"StringEquals": {"aws:SourceAccount": ACCOUNT}});
    }
    s
}

fn github(repo: Option<&str>) -> Value {
    let mut condition = json!({"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}});
    if let Some(repo) = repo {
        condition["StringLike"] = json!({"token.actions.githubusercontent.com:sub": format!("repo:acme/{repo}:*")});
    }
    json!({"Effect": "Allow",
           "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
           "Action": "sts:AssumeRoleWithWebIdentity", "Condition": condition})
}

fn person_role(i: usize) -> Value {
    json!({"Sid": format!("Team{i}"), "Effect": "Allow",
           "Principal": {"AWS": format!("arn:aws:iam::111122223333:role/team-{i}")},
           "Action": ["sts:AssumeRole", "sts:TagSession"],
           "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}})
}

/// One role's trust policy. The mix follows what an account holds: mostly Lambda and service
/// roles, then people and CI roles, and a tail of broken or dangerous ones.
fn policy(kind: u64, i: usize, rng: &mut Lcg) -> Vec<Value> {
    match kind {
        0..=2 => vec![lambda(true)],
        3 => vec![lambda(false)],
        4 => vec![
            lambda(true),
            json!({"Effect": "Allow", "Principal": {"Service": "edgelambda.amazonaws.com"}, "Action": "sts:AssumeRole"}),
        ],
        5 => vec![
            json!({"Effect": "Allow", "Principal": {"Service": ["ecs-tasks.amazonaws.com"]}, "Action": "sts:AssumeRole",
                         "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:ecs:*:111122223333:*"}, "StringEquals": {"aws:SourceAccount": ACCOUNT}}}),
        ],
        6 => vec![github(Some(&format!("svc-{i}")))],
        7 => vec![
            json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "sts:AssumeRole",
                         "Condition": {"StringEquals": {"sts:ExternalId": format!("vendor-{i}")}}}),
        ],
        // People: 1 to 10 statements, one per team role.
        8 => (0..1 + rng.next(10) as usize)
            .map(|j| person_role(i * 10 + j))
            .collect(),
        // The broken and the dangerous.
        9 => vec![
            json!({"Effect": "Allow", "Principal": {"Service": "edgelambda.amazonaws.com"}, "Action": "sts:AssumeRole"}),
        ],
        10 => vec![
            lambda(false),
            json!({"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}),
        ],
        11 => vec![github(None)],
        12 => vec![
            json!({"Effect": "Allow", "Principal": {"AWS": ["444455556666", "AROAEXAMPLEROLEID1234"]}, "Action": "sts:*"}),
        ],
        _ => vec![
            lambda(true),
            json!({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                                        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"}}}),
        ],
    }
}

/// 1,000 trust policies, one in four percent-encoded as Config and IAM deliver them.
fn corpus(n: usize) -> Vec<String> {
    let mut rng = Lcg(42);
    (0..n)
        .map(|i| {
            let kind = rng.next(14);
            let text = json!({"Version": "2012-10-17", "Statement": policy(kind, i, &mut rng)}).to_string();
            if rng.next(4) == 0 {
                text.bytes()
                    .map(|b| {
                        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                            (b as char).to_string()
                        } else {
                            format!("%{b:02X}")
                        }
                    })
                    .collect()
            } else {
                text
            }
        })
        .collect()
}

/// Policies crafted to cost the most within IAM's highest size quota (4,096 characters): whoever
/// may create one role must not be able to stall the Config rule's sweep of the account.
fn crafted() -> Vec<(&'static str, String)> {
    // Keys with an empty claim and no values: each is paired with every provider and key.
    let conditions = |n: usize| -> Value { (0..n).map(|i| (format!("{i}:"), json!([]))).collect() };
    let web_identity = |providers: Vec<String>, n: usize| {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": providers},
            "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": conditions(n)}}]})
        .to_string()
    };
    let provider = |i: usize| format!("arn:aws:iam::111122223333:oidc-provider/p{i}.example/REPLACE_WITH_");
    let denies: Vec<Value> = (0..28)
        .map(|i| {
            json!({"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                        "Condition": {"StringNotEquals": {"aws:PrincipalAccount": format!("{:012}", i)}}})
        })
        .collect();
    let mut public = vec![json!({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"})];
    public.extend(denies);
    // Wildcards behind Denies that together stop every choice of three tags: each wildcard's
    // strangers are tried with every combination of the tags' values.
    let wildcard = json!({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"});
    let mut jointly = vec![wildcard; 17];
    jointly.extend((0..18).map(|i| {
        let tag = format!("aws:PrincipalTag/{}", ["a", "b", "c"][i % 3]);
        json!({"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
            "Condition": {"Null": {tag: if i % 2 == 0 { "true" } else { "false" }}}})
    }));
    vec![
        (
            "an undetermined provider listed 132 times, 196 conditions",
            web_identity(vec!["UNRESOLVED()".to_owned(); 132], 196),
        ),
        (
            "40 providers, 100 conditions",
            web_identity((0..40).map(provider).collect(), 100),
        ),
        (
            "100 issuers, 150 conditions",
            web_identity((0..100).map(|i| format!("p{i}.example")).collect(), 150),
        ),
        (
            "a wildcard and 28 Denies",
            json!({"Version": "2012-10-17", "Statement": public}).to_string(),
        ),
        (
            "17 wildcards and 18 Denies that together stop every choice of 3 tags",
            json!({"Version": "2012-10-17", "Statement": jointly}).to_string(),
        ),
    ]
}

/// The corpus named by `TRUSTCHECK_CORPUS`, or the generated one.
fn documents() -> Vec<String> {
    let Some(path) = std::env::var_os("TRUSTCHECK_CORPUS").filter(|p| !p.is_empty()) else {
        return corpus(1000);
    };
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("TRUSTCHECK_CORPUS={}: {e}", path.to_string_lossy()));
    let docs: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    assert!(
        !docs.is_empty(),
        "TRUSTCHECK_CORPUS={}: no policy in it",
        path.to_string_lossy()
    );
    println!("corpus from {}", path.to_string_lossy());
    docs
}

/// The role every policy is checked for: a Lambda execution role.
fn role() -> Role {
    Role {
        arn: Some("arn:aws:iam::111122223333:role/orders".into()),
        functions: vec!["arn:aws:lambda:us-east-1:111122223333:function:orders".into()],
        ..Role::default()
    }
}

/// The corpus, its NON_COMPLIANT part, and a line about them.
fn corpus_and_failing(role: &Role, params: &RuleParams) -> (Vec<String>, Vec<String>) {
    let docs = documents();
    let bytes: usize = docs.iter().map(String::len).sum();
    let failing: Vec<String> = docs
        .iter()
        .filter(|d| check(d, role, params).compliance == Compliance::NonCompliant)
        .cloned()
        .collect();
    println!(
        "corpus: {} policies, {} bytes on average, {} NON_COMPLIANT",
        docs.len(),
        bytes / docs.len(),
        failing.len()
    );
    (docs, failing)
}

/// Each policy checked once: what `make bench-instructions` counts under callgrind.
#[inline(never)]
fn check_each_once(docs: &[String], role: &Role, params: &RuleParams) {
    for doc in docs {
        black_box(check(black_box(doc), role, params));
    }
}

/// Each NON_COMPLIANT policy evaluated (verdict and suggested policy) once, likewise.
#[inline(never)]
fn evaluate_each_once(failing: &[String], role: &Role, params: &RuleParams) {
    for doc in failing {
        black_box(evaluate(black_box(doc), role, params));
    }
}

fn engine(c: &mut Criterion) {
    let (role, params) = (role(), RuleParams::default());
    let (docs, failing) = corpus_and_failing(&role, &params);

    let mut group = c.benchmark_group("policies");
    group.throughput(Throughput::Elements(docs.len() as u64));
    group.bench_function("serde_json parse only (percent-decode + Value)", |b| {
        b.iter(|| {
            for doc in &docs {
                let text = percent_encoding::percent_decode_str(doc).decode_utf8_lossy();
                black_box(serde_json::from_str::<Value>(&text).ok());
            }
        })
    });
    group.bench_function("check: decode + evaluate + verdict", |b| {
        b.iter(|| check_each_once(&docs, &role, &params))
    });
    group.finish();

    let mut group = c.benchmark_group("crafted");
    for (name, doc) in crafted() {
        let chars = doc.chars().filter(|c| !c.is_whitespace()).count();
        group.bench_function(format!("check: {name} ({chars} characters)"), |b| {
            b.iter(|| check(black_box(&doc), &role, &params))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("fix");
    group.throughput(Throughput::Elements(failing.len() as u64));
    group.bench_function("evaluate (verdict + suggested policy) of NON_COMPLIANT policies", |b| {
        b.iter(|| evaluate_each_once(&failing, &role, &params))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(4));
    targets = engine
}

/// `TRUSTCHECK_BENCH_ONCE=1`: each loop once and no criterion, for an instruction counter
/// (`make bench-instructions`), whose figures other tenants of the machine don't move.
pub fn main() {
    if std::env::var_os("TRUSTCHECK_BENCH_ONCE").is_some_and(|v| v == "1") {
        let (role, params) = (role(), RuleParams::default());
        let (docs, failing) = corpus_and_failing(&role, &params);
        check_each_once(&docs, &role, &params);
        evaluate_each_once(&failing, &role, &params);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
