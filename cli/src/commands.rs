//! What each subcommand does: read its inputs, evaluate them, render the result. The verdict
//! decides the exit status in `main`.

use std::{
    io::{self, IsTerminal, Read, Write},
    path::{Path, PathBuf},
};

use trustcheck::{evaluate, Compliance, Evaluation, Role, RuleParams};

use crate::{
    args::{AccountArgs, Command, Format, PolicyArgs, RuleArgs, StackArgs, TemplateArgs, TerraformArgs},
    error::{CliError, InputError},
    inputs::{
        account, template, terraform, DeployedBy, NameKind, NestedPass, Origin, RoleInput, Scanned, StackOptions,
        DEFAULT_REGION,
    },
    render,
    scan::{self, Report, RoleReport, Scope},
};

pub(crate) fn run(command: &Command, out: &mut impl Write) -> Result<Compliance, CliError> {
    let (rule, mut inputs): (&RuleArgs, Vec<&Path>) = match command {
        Command::Policy(args) => (&args.rule, vec![args.file.as_path()]),
        Command::Template(args) => (&args.rule, args.files.iter().map(|f| f.as_path()).collect()),
        Command::Terraform(args) => (&args.rule, args.plans.iter().map(|f| f.as_path()).collect()),
        Command::Account(args) => (
            &args.rule,
            (args
                .auth_details
                .iter()
                .chain(&args.functions)
                .chain(&args.event_source_mappings)
                .chain(&args.distributions))
            .map(|f| f.as_path())
            .collect(),
        ),
    };
    inputs.extend(rule.baseline.as_deref());
    // A second read of standard input finds it empty, and would say the input is what it isn't.
    if inputs.iter().filter(|input| input.as_os_str() == "-").count() > 1 {
        return Err(CliError::Usage(
            "standard input (-) can be read once: name a file for every input but one",
        ));
    }
    check_outputs(&rule.outputs, &inputs)?;
    match command {
        Command::Policy(args) => policy(args, out),
        Command::Template(args) => templates(args, out),
        Command::Terraform(args) => plans(args, out),
        Command::Account(args) => account(args, out),
    }
}

/// Refuses `--output` files that would overwrite an input (the report is written after the
/// inputs are read: an account's snapshot would be lost) or each other, and `-`, which names no
/// file: standard output is `--format`'s.
fn check_outputs(outputs: &[(Format, std::path::PathBuf)], inputs: &[&Path]) -> Result<(), CliError> {
    let same = |a: &Path, b: &Path| {
        a == b || same_file(a, b) || resolved(a).is_some_and(|a| resolved(b).is_some_and(|b| a == b))
    };
    // Standard input (`-`) redirected from a file (`< policy.json`) is that file.
    let inputs: Vec<&Path> = (inputs.iter())
        .map(|input| match input.as_os_str() == "-" {
            true => Path::new("/dev/stdin"),
            false => input,
        })
        .collect();
    for (i, (_, path)) in outputs.iter().enumerate() {
        let shown = path.display().to_string();
        if path.as_os_str() == "-" {
            return Err(CliError::Output {
                path: shown,
                why: "standard output is --format's; name a file",
            });
        }
        if inputs.iter().any(|input| same(input, path)) {
            return Err(CliError::Output {
                path: shown,
                why: "it is an input of this scan, which the report would overwrite",
            });
        }
        if outputs[..i].iter().any(|(_, earlier)| same(earlier, path)) {
            return Err(CliError::Output {
                path: shown,
                why: "it is named by another --output, whose report it would overwrite",
            });
        }
    }
    Ok(())
}

/// Where a path leads: the file, links and `..` resolved, where it exists; else its directory
/// resolved and its name (`dir/../r.json` before the report is written); else made absolute.
fn resolved(path: &Path) -> Option<std::path::PathBuf> {
    if let Ok(file) = path.canonicalize() {
        return Some(file);
    }
    let in_directory = path.file_name().and_then(|name| {
        let directory = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        Some(directory.canonicalize().ok()?.join(name))
    });
    in_directory.or_else(|| std::path::absolute(path).ok())
}

/// Two names of one existing file: a hard link has no path in common with its target.
#[cfg(unix)]
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &Path, _: &Path) -> bool {
    false
}

/// `--params`, then `--fail-on` over its `nonCompliantAt`.
fn rule_params(rule: &RuleArgs) -> Result<RuleParams, CliError> {
    let mut params = match &rule.params {
        Some(json) => RuleParams::from_json(json).map_err(CliError::Params)?,
        None => RuleParams::default(),
    };
    if let Some(severity) = rule.fail_on {
        params.non_compliant_at = severity;
    }
    let params = params.judged_at(std::time::SystemTime::now());
    Ok(RuleParams {
        evaluated_at: rule.at.or(params.evaluated_at),
        ..params
    })
}

fn baseline(rule: &RuleArgs) -> Result<Option<scan::Baseline>, CliError> {
    Ok(rule.baseline.as_deref().map(scan::Baseline::read).transpose()?)
}

fn colour() -> bool {
    // no-color.org: set and not empty turns colour off.
    io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// One policy is a scan of one role: the same record and renderers, the policy's own shape. An
/// exempt role lists what it would be found for as skipped, as a scan does.
fn policy(args: &PolicyArgs, out: &mut impl Write) -> Result<Compliance, CliError> {
    let params = rule_params(&args.rule)?;
    if args.rule.baseline.is_some() {
        return Err(CliError::Usage(
            "--baseline applies to scans (template, terraform, account), not to one policy",
        ));
    }
    // A pattern silently not applying would read as "not exempt"; the report of one policy has no
    // notes, so stderr says it.
    if !params.exempt_role_arn_patterns.is_empty() && args.role_arn.is_none() {
        eprintln!("trustcheck: note: exemptRoleArnPatterns can't match: the role's ARN is not given (pass --role-arn)");
    }
    let (document, source) = read_policy(&args.file)?;
    // Nothing to judge (an empty file, a pipe whose command failed) is no policy, broken or not.
    if document.trim().is_empty() {
        return Err(CliError::Input(InputError::Shape {
            path: source,
            message: "empty: no trust policy to judge".to_owned(),
        }));
    }
    // A file of another kind (a wrong path, `get-role` output) is a usage error, not a finding
    // about a trust policy.
    if let Some(message) = not_a_policy(&document) {
        return Err(CliError::Input(InputError::Shape { path: source, message }));
    }
    let role = Role {
        arn: args.role_arn.clone(),
        account_id: args.account_id.clone(),
        functions: args.lambda_functions.clone(),
        // A file is a policy being written: what IAM would refuse is reported.
        proposed: true,
        ..Role::default()
    };
    // Two accounts for one role is a typo somewhere: which one holds would be a guess. The ARN's
    // account as the rule crate reads it.
    let by_arn = Role {
        arn: args.role_arn.clone(),
        ..Role::default()
    };
    if let (Some(given), Some(of_arn)) = (&args.account_id, by_arn.account()) {
        if *given != of_arn {
            return Err(CliError::Input(InputError::Shape {
                path: source,
                message: format!("--account-id {given} is not the account of --role-arn ({of_arn})"),
            }));
        }
    }
    // Nor does the first of two functions' accounts decide the role's, when nothing else says it.
    if args.role_arn.is_none() && args.account_id.is_none() {
        let mut accounts: Vec<&str> = (args.lambda_functions.iter())
            .filter_map(|f| f.split(':').nth(4).filter(|a| trustcheck::is_account_id(a)))
            .collect();
        accounts.sort_unstable();
        accounts.dedup();
        if let [first, second, ..] = accounts[..] {
            return Err(CliError::Input(InputError::Shape {
                path: source,
                message: format!(
                    "the --lambda-function ARNs are in accounts {first} and {second}, and a role is in one: pass --role-arn (or --account-id) to say which"
                ),
            }));
        }
    }
    // Unlike a scan's stand-in account, no account at all: say what that leaves unjudged; and a
    // function of another account, which is not counted.
    let notes = role.notes();
    let Evaluation {
        mut verdict,
        suggested_policy,
    } = evaluate(&document, &role, &params);
    let skipped = match verdict.not_applicable_because.clone() {
        Some(because) => scan::exempted(&mut verdict, &because),
        None => Vec::new(),
    };
    let origin = Origin {
        source: Some(source.clone()),
        name: source,
        kind: NameKind::Policy,
        // A finding about no statement in particular points at the document's start.
        line: Some(1),
        arn: args.role_arn.clone(),
        deployed: None,
    };
    let role = RoleReport {
        origin,
        functions: role.functions,
        compliance: verdict.compliance,
        annotation: verdict.annotation,
        findings: verdict.findings,
        skipped,
        suggested_policy,
        statement_lines: crate::inputs::statement_lines(&document),
        notes: Vec::new(),
        stopped: verdict.stopped,
    };
    let single = Report {
        scope: Scope::Policy,
        roles: vec![role],
        notes,
        threshold: params.non_compliant_at,
        unread: Vec::new(),
    };
    report(single, &args.rule, out)
}

/// What a file `trustcheck policy` was given is instead, when it is what another subcommand or
/// an AWS CLI command reads (no `Statement` at its top): the message says what to run.
fn not_a_policy(document: &str) -> Option<String> {
    let kind = match serde_json::from_str::<serde_json::Value>(document) {
        Ok(serde_json::Value::Object(top)) if !top.contains_key("Statement") => {
            let has = |key: &str| top.contains_key(key);
            if has("Role") {
                "`aws iam get-role` output, not a trust policy: pass its document (`--query Role.AssumeRolePolicyDocument`)"
            } else if has("AssumeRolePolicyDocument") && (has("RoleName") || has("Arn")) {
                "a role (`aws iam get-role --query Role`), not a trust policy: pass its document (`--query Role.AssumeRolePolicyDocument`)"
            } else if has("Roles") {
                "`aws iam list-roles` output, not a trust policy: judge every role with `trustcheck account --auth-details` (of `aws iam get-account-authorization-details --filter Role`)"
            } else if has("RoleDetailList") {
                "an account's authorization details, not a trust policy: use `trustcheck account --auth-details`"
            } else if has("Resources") || has("AWSTemplateFormatVersion") {
                "a CloudFormation template, not a trust policy: use `trustcheck template`"
            } else if has("planned_values") || has("resource_changes") {
                "a Terraform plan, not a trust policy: use `trustcheck terraform`"
            } else {
                return None;
            }
        }
        Ok(_) => return None,
        Err(_) => {
            let yaml_template = document
                .lines()
                .any(|line| line.starts_with("Resources:") || line.starts_with("AWSTemplateFormatVersion:"));
            if !yaml_template {
                return None;
            }
            "a CloudFormation template, not a trust policy: use `trustcheck template`"
        }
    };
    Some(format!("this is {kind}"))
}

/// The document and the name to show for it.
fn read_policy(path: &Path) -> Result<(String, String), CliError> {
    let stdin = path.as_os_str() == "-";
    let (shown, name) = match stdin {
        true => ("standard input".to_owned(), "stdin".to_owned()),
        false => (path.display().to_string(), path.display().to_string()),
    };
    let read_error = |source| InputError::Read {
        path: shown.clone(),
        source,
    };
    // At most a limit, so that `/dev/zero` or a runaway pipe can't take the memory: IAM takes a
    // trust policy of 2,048 characters (4,096 with a raised quota), whitespace aside.
    let mut bytes = Vec::new();
    let limit = MAX_POLICY_BYTES as u64 + 1;
    match stdin {
        true => io::stdin().take(limit).read_to_end(&mut bytes),
        false => std::fs::File::open(path).and_then(|file| file.take(limit).read_to_end(&mut bytes)),
    }
    .map_err(read_error)?;
    if bytes.len() > MAX_POLICY_BYTES {
        return Err(CliError::Input(InputError::Shape {
            path: name,
            message: "larger than 1 MiB: not a trust policy (IAM takes 2,048 characters, 4,096 with a raised quota)"
                .to_owned(),
        }));
    }
    let text = crate::inputs::text_of(&bytes).map_err(read_error)?.into_owned();
    Ok((text, name))
}

/// The most `trustcheck policy` reads of one document.
const MAX_POLICY_BYTES: usize = 1 << 20;

fn stack_options(stack: &StackArgs, parameters: &[(String, String)]) -> StackOptions {
    StackOptions {
        account_id: stack.account_id.clone(),
        region: stack.region.clone().unwrap_or_else(|| DEFAULT_REGION.to_owned()),
        region_given: stack.region.is_some(),
        parameters: parameters.to_vec(),
        defaults: Vec::new(),
        secrets: Vec::new(),
        stack_set_depth: 0,
        stack_sets: Default::default(),
    }
}

fn templates(args: &TemplateArgs, out: &mut impl Write) -> Result<Compliance, CliError> {
    let params = rule_params(&args.rule)?;
    // Which of two values a deployment passes is not for the scan to guess.
    for (i, (name, _)) in args.parameters.iter().enumerate() {
        if args.parameters[..i].iter().any(|(earlier, _)| earlier == name) {
            return Err(CliError::RepeatedParameter(name.clone()));
        }
    }
    let options = stack_options(&args.stack, &args.parameters);
    let mut scanned = Scanned::default();
    let (files, passed_over) = crate::inputs::expand(
        &args.files,
        &[".yaml", ".yml", ".json", ".template"],
        "CloudFormation or SAM template",
        template::looks_like_template,
        args.only_templates,
    )
    .map_err(|error| nothing_found(error, &args.rule.outputs))?;
    for dir in passed_over {
        scanned.notes.push(format!(
            "{}: a CDK app's synthesized templates, which a directory search passes over: their roles are not judged; name it to scan them (trustcheck template {})",
            dir.display(),
            dir.display()
        ));
    }
    // The files a directory or a glob found are inputs too, and so are the CDK manifests read
    // beside them (the account, a nested stack's template).
    let side_inputs = template::side_inputs(&files);
    let inputs: Vec<&Path> = files.iter().chain(&side_inputs).map(|f| f.as_path()).collect();
    check_outputs(&args.rule.outputs, &inputs)?;
    // A template that can't be read is named in the report, and the others are scanned all the
    // same: one file must not hide every other file's findings (the run still fails). None read:
    // the error, as for one file.
    let mut unread = Vec::new();
    let mut first_error = None;
    let (mut files_read, mut read) = (Vec::with_capacity(files.len()), Vec::with_capacity(files.len()));
    // Every template given, read or not: none is followed again from a parent.
    let given_links: Vec<String> = files.iter().map(|f| template::nested_links(f)[0].clone()).collect();
    for file in files {
        match template::read(&file, &options) {
            Ok(scanned) => {
                files_read.push(file);
                read.push(scanned);
            }
            Err(error) => {
                unread.push(error.to_string());
                first_error.get_or_insert(error);
            }
        }
    }
    if let (true, Some(error)) = (read.is_empty(), first_error) {
        return Err(nothing_read(error, unread.len(), &args.rule.outputs));
    }
    let given = files_read.len();
    follow_nested_templates(
        &options,
        (&mut files_read, &mut read),
        &given_links,
        (&mut unread, &mut scanned.notes),
    );
    let files = files_read;
    // A template a scanned parent deploys as a nested stack is judged with the parameter values
    // that parent passes (a `"*"` it passes makes the child's role public whatever the child's
    // default), once per nested stack that deploys it, besides as it stands (deployed alone, or
    // by a parent that passes nothing). Those readings add roles only: the exports and imports
    // are the template's, once.
    let passes: Vec<_> = read.iter().flat_map(|s| s.passes.clone()).collect();
    // Roles read with a parent's values, by index, with the name they are reported under once
    // the other templates' functions are linked to them (by the role's own name).
    let mut as_deployed: Vec<(usize, (String, DeployedBy))> = Vec::new();
    let all_links: Vec<[String; 2]> = files.iter().map(|file| template::nested_links(file)).collect();
    for ((file, alone), links) in files.iter().zip(read).zip(&all_links) {
        // By file name (a parent naming the URL it was uploaded to) only when that name can mean
        // one template: no other template read has it, every parent names one location by it,
        // and that parent is not the template itself. (A template followed from a parent's
        // local path is that parent's, by its path: it takes no name of the others'.)
        let followed = |at: usize| at >= given;
        let at = all_links.iter().position(|l| l == links).unwrap_or_default();
        let by_name_alone = !followed(at)
            && (all_links.iter().enumerate())
                .filter(|(i, l)| !followed(*i) && l[1] == links[1])
                .count()
                == 1;
        let by_name = |pass: &NestedPass| {
            by_name_alone
                && pass.child == links[1]
                && pass.parent != links[0]
                && passes
                    .iter()
                    .filter(|other| other.child == links[1])
                    .all(|other| other.location == pass.location)
        };
        let linked = |pass: &NestedPass| pass.child == links[0] || by_name(pass);
        // A CDK nested stack's template is a file asset of the stack that deploys it, never
        // deployed alone: with that stack scanned, its roles are judged as it deploys them (one
        // that reads the same alone is reported as it stands).
        let only_as_deployed =
            is_cdk_nested_template(file) && passes.iter().any(|p| linked(p) && p.unreadable.is_none());
        // A role a parent's values (or one way of its deploying) change in nothing is reported
        // once.
        let mut judged = alone.roles.clone();
        let mut alone = alone;
        // Every role as some parent deploys it, and those read otherwise than alone, named.
        let mut as_parents_deploy: Vec<RoleInput> = Vec::new();
        let mut readings: Vec<(RoleInput, (String, DeployedBy))> = Vec::new();
        for pass in passes.iter().filter(|p| linked(p)) {
            if let Some(why) = &pass.unreadable {
                // The child's readings as this parent deploys it are unjudged: the run fails.
                unread.push(format!(
                    "{why} (so {} is not judged as that stack deploys it)",
                    file.display()
                ));
                continue;
            }
            // What the parent writes for the nested stack is what deploys it: over
            // `--parameter`, as a stack set's values are.
            let passed = StackOptions {
                parameters: options.parameters.iter().chain(&pass.values).cloned().collect(),
                defaults: pass.defaults.clone(),
                secrets: pass.secrets.clone(),
                ..options.clone()
            };
            let deployed = match template::read(file, &passed) {
                Ok(deployed) => deployed,
                Err(error) => {
                    unread.push(format!("{error} (with the parameters {} passes it)", pass.by));
                    continue;
                }
            };
            let names: Vec<&str> = pass
                .values
                .iter()
                .chain(&pass.defaults)
                .map(|(name, _)| name.as_str())
                .collect();
            for mut role in deployed.roles {
                if only_as_deployed {
                    as_parents_deploy.push(role.clone());
                }
                if judged.iter().any(|other| other.reads_as(&role)) {
                    continue;
                }
                judged.push(role.clone());
                role.notes.push(format!(
                    "judged with the parameters {} passes this template ({})",
                    pass.by,
                    names.join(", ")
                ));
                let deployed = (role.origin.name.clone(), pass.by.clone());
                readings.push((role, deployed));
            }
        }
        if only_as_deployed {
            alone
                .roles
                .retain(|role| as_parents_deploy.iter().any(|deployed| deployed.reads_as(role)));
        }
        scanned.extend(alone);
        for (role, deployed) in readings {
            as_deployed.push((scanned.roles.len(), deployed));
            scanned.roles.push(role);
        }
    }
    scanned.link_imported_roles();
    for (index, deployed) in as_deployed {
        if let Some(role) = scanned.roles.get_mut(index) {
            role.origin.deployed = Some(deployed);
            role.origin.name = role.origin.name_with_parent_as(str::to_owned);
        }
    }
    scanned.drop_notes_of_read_templates();
    // A template not read may declare it.
    let given: std::collections::BTreeSet<&String> = (args.parameters.iter())
        .map(|(name, _)| name)
        .filter(|_| unread.is_empty())
        .collect();
    for name in given {
        // A value no template that declares the parameter allows: CloudFormation would refuse
        // every stack it is meant for (each such template was judged with its own values).
        if let Some(why) = scanned.parameters_refused.get(name.as_str()) {
            if !scanned.parameters_taken.contains(name.as_str()) {
                return Err(CliError::ParameterRefused(why.clone()));
            }
        }
        if !scanned.parameters_declared.contains(name) {
            // A pseudo parameter has an option of its own.
            let instead = match name.as_str() {
                "AWS::AccountId" => ": pass --account-id",
                "AWS::Region" => ": pass --region",
                _ => "",
            };
            scanned.notes.push(format!(
                "--parameter {name}: no template scanned declares a parameter {name}, so it was not used{instead}"
            ));
        }
    }
    let mut result = scan::evaluate(scanned, &params, baseline(&args.rule)?.as_ref());
    result.unread = unread;
    report(result, &args.rule, out)
}

fn plans(args: &TerraformArgs, out: &mut impl Write) -> Result<Compliance, CliError> {
    let params = rule_params(&args.rule)?;
    let options = stack_options(&args.stack, &[]);
    let mut scanned = Scanned::default();
    let (plans, _) = crate::inputs::expand(
        &args.plans,
        &[".json"],
        "Terraform plan (terraform show -json)",
        terraform::looks_like_plan,
        args.only_plans,
    )
    .map_err(|error| nothing_found(error, &args.rule.outputs))?;
    check_outputs(
        &args.rule.outputs,
        &plans.iter().map(|f| f.as_path()).collect::<Vec<_>>(),
    )?;
    // As for templates: a plan that can't be read is named, the others scanned.
    let mut unread = Vec::new();
    let mut first_error = None;
    for plan in &plans {
        match terraform::read(plan, &options) {
            Ok(read) => scanned.extend(read),
            Err(error) => {
                unread.push(error.to_string());
                first_error.get_or_insert(error);
            }
        }
    }
    if let (true, Some(error)) = (unread.len() == plans.len(), first_error) {
        return Err(nothing_read(error, unread.len(), &args.rule.outputs));
    }
    // A function of a stack's template that names a plan's role by its ARN.
    scanned.link_imported_roles();
    let mut result = scan::evaluate(scanned, &params, baseline(&args.rule)?.as_ref());
    result.unread = unread;
    report(result, &args.rule, out)
}

fn account(args: &AccountArgs, out: &mut impl Write) -> Result<Compliance, CliError> {
    let params = rule_params(&args.rule)?;
    let result = match &args.auth_details {
        Some(details) if !args.live => {
            // A dump that can't be read (an empty file `aws iam … > auth.json` left when its
            // credentials had expired) empties the last run's reports, as a template's does.
            let scanned = account::read_offline(
                details,
                &args.functions,
                &args.event_source_mappings,
                &args.distributions,
            )
            .map_err(|error| nothing_read(error, 1, &args.rule.outputs))?;
            scan::evaluate(scanned, &params, baseline(&args.rule)?.as_ref())
        }
        _ => {
            let baseline = baseline(&args.rule)?;
            let (roles, notes) = live_roles(&params, baseline.as_ref())?;
            // As for authorization details that list none: a scan that judged nothing doesn't
            // pass (an endpoint that answers for no account, a proxy's empty answer).
            if roles.is_empty() {
                let error = InputError::Shape {
                    path: "account --live".to_owned(),
                    message: "ListRoles listed no role at all, which no account has (AWS makes service-linked roles in every one): check the credentials' account and AWS_ENDPOINT_URL".to_owned(),
                };
                return Err(nothing_read(error, 1, &args.rule.outputs));
            }
            Report::of_scan(roles, notes, &params, baseline.as_ref())
        }
    };
    report(result, &args.rule, out)
}

#[cfg(feature = "live")]
fn live_roles(
    params: &RuleParams,
    baseline: Option<&scan::Baseline>,
) -> Result<(Vec<RoleReport>, Vec<String>), CliError> {
    // One thread is enough: the sweep pages through ListRoles one call at a time.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CliError::Runtime)?;
    Ok(runtime.block_on(account::sweep_live(params, baseline))?)
}

#[cfg(not(feature = "live"))]
fn live_roles(_: &RuleParams, _: Option<&scan::Baseline>) -> Result<(Vec<RoleReport>, Vec<String>), CliError> {
    Err(CliError::LiveNotBuilt)
}

/// Renders the report on standard output in `rule.format`, and into every `--output` file.
fn report(report: Report, rule: &RuleArgs, out: &mut impl Write) -> Result<Compliance, CliError> {
    write_outputs(&report, &rule.outputs)?;
    // No SARIF beside an input not read: code scanning would take the roles missing from it for
    // fixed and close their alerts. Text and JSON name it.
    let rendered = match (rule.format, report.unread.is_empty()) {
        (Format::Sarif, false) => Ok(()),
        (format, _) => render(&report, format, out, colour()),
    };
    match rendered {
        // The reader went away (`| head`): the verdict still decides the status.
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(CliError::Write(e)),
        // An input not read is no pass, whatever the others' verdict: the report names it.
        _ if !report.unread.is_empty() => Err(CliError::Unread {
            count: report.unread.len(),
            first: report.unread[0].clone(),
            reported: match rule.format {
                Format::Sarif => "so no SARIF report was written",
                _ => "and the report names them",
            },
        }),
        _ => Ok(report.compliance()),
    }
}

/// [`nothing_read`] for named inputs among which one holds nothing to scan (an empty directory, a
/// pattern that matches nothing, `-`). What the others hold is not known then, and an `--output`
/// may be one of their files: only an output that is an earlier run's report (by its text) is
/// emptied. (One that is a named path was refused before anything was read.)
fn nothing_found(error: InputError, outputs: &[(Format, std::path::PathBuf)]) -> CliError {
    let reports: Vec<(Format, std::path::PathBuf)> = (outputs.iter())
        .filter(|(format, path)| is_a_report(*format, path))
        .cloned()
        .collect();
    nothing_read(error, 1, &reports)
}

/// Whether the file at `path` holds a report trustcheck writes in `format` (SARIF with its
/// driver's name, a scan's JSON with its summary, text with a verdict first), not another file.
fn is_a_report(format: Format, path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    match format {
        Format::Sarif => serde_json::from_str::<serde_json::Value>(&text)
            .is_ok_and(|sarif| sarif["runs"][0]["tool"]["driver"]["name"] == "trustcheck"),
        Format::Json => serde_json::from_str::<serde_json::Value>(&text)
            .is_ok_and(|report| report.get("summary").is_some() && report.get("roles").is_some()),
        Format::Text => ["trustcheck: ", "COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE"]
            .iter()
            .any(|start| text.starts_with(start)),
    }
}

/// The error of a scan whose inputs could none be read (`unread` of them, `error` the first's),
/// or found (an empty directory, a pattern that matches nothing). Every `--output` file an
/// earlier run left is emptied (through the path, not created): uploaded or read as it stands, a
/// SARIF file would report the last run's alerts for this commit, and a JSON report the last
/// run's verdict.
fn nothing_read(error: InputError, unread: usize, outputs: &[(Format, std::path::PathBuf)]) -> CliError {
    for (_, path) in outputs {
        let file = std::fs::OpenOptions::new().write(true).open(path).ok();
        if let Some(file) = file.filter(|f| f.metadata().is_ok_and(|m| m.is_file())) {
            if let Err(e) = file.set_len(0) {
                // The input's error stays the one reported; this one is said beside it.
                eprintln!("trustcheck: cannot empty {}: {e}", path.display());
            }
        }
    }
    match unread {
        0 | 1 => error.into(),
        count => CliError::Unread {
            count,
            first: error.to_string(),
            reported: "so no report was written",
        },
    }
}

/// Writes every `--output` file, each opened (created if missing) before any is emptied: one
/// that can't be opened (a missing directory) leaves the others as they were, rather than this
/// run's reports beside the last run's. Written through the path as given: a link, a bind-mounted
/// file or `/dev/stdout` stays what it is.
fn write_outputs(report: &Report, outputs: &[(Format, std::path::PathBuf)]) -> Result<(), CliError> {
    let write_error = |path: &Path| {
        let path = path.display().to_string();
        move |source| InputError::Write { path, source }
    };
    let mut opened = Vec::new();
    // No SARIF beside an input not read (see `report`): none made, and the last run's emptied
    // (through the path, as it is written), which the upload then refuses.
    let withheld = |format: &Format| matches!(format, Format::Sarif) && !report.unread.is_empty();
    for (format, path) in outputs {
        let created = !path.exists();
        match std::fs::OpenOptions::new()
            .write(true)
            .create(!withheld(format))
            .truncate(false)
            .open(path)
        {
            Ok(file) => opened.push((*format, path, file, created)),
            Err(source) if withheld(format) && source.kind() == io::ErrorKind::NotFound => {}
            Err(source) => {
                // The empty files this run created go; the others were not touched.
                for (_, made, _, created) in &opened {
                    if *created {
                        let _ = std::fs::remove_file(made);
                    }
                }
                return Err(write_error(path)(source).into());
            }
        }
    }
    for (format, path, file, _) in opened {
        // A regular file is emptied first; a pipe or a terminal has nothing to empty.
        if file.metadata().is_ok_and(|m| m.is_file()) {
            file.set_len(0).map_err(write_error(path))?;
        }
        if withheld(&format) {
            continue;
        }
        let mut file = io::BufWriter::new(file);
        render(report, format, &mut file, false)
            .and_then(|()| file.flush())
            .map_err(write_error(path))?;
    }
    Ok(())
}

fn render(report: &Report, format: Format, out: &mut impl Write, colour: bool) -> io::Result<()> {
    match format {
        Format::Text => render::text(out, report, colour),
        Format::Json => render::json(out, report),
        Format::Sarif => render::sarif(out, report),
    }
}

/// The most nested stacks' templates a scan reads from disk beyond those it was given.
const NESTED_TEMPLATES_FOLLOWED: usize = 256;

/// Adds the templates of the nested stacks the templates read deploy from a local path
/// (`TemplateURL: ./child.yaml`, SAM's `Location`, as before `aws cloudformation package`),
/// and theirs, that the scan wasn't given: naming the root template in CI must not pass a role
/// its child makes. A URL's template is not fetched (its note stays). Each is noted.
fn follow_nested_templates(
    options: &StackOptions,
    (files, read): (&mut Vec<PathBuf>, &mut Vec<Scanned>),
    given: &[String],
    (unread, notes): (&mut Vec<String>, &mut Vec<String>),
) {
    // Each template's link once (`nested_links` asks the file system).
    let mut known: Vec<String> = (given.iter().cloned())
        .chain(files.iter().map(|f| template::nested_links(f)[0].clone()))
        .collect();
    let mut next = 0;
    let mut followed = 0;
    while next < read.len() {
        let children: Vec<(PathBuf, String)> = (read[next].nested_files.iter())
            .map(|(path, by)| (path.clone(), by.to_string()))
            .collect();
        next += 1;
        for (path, by) in children {
            let [link, _] = template::nested_links(&path);
            // Only a template: a location that names another file (`../../.env`) is not read,
            // nor echoed in an error (its note stays).
            let a_template = || std::fs::read_to_string(&path).is_ok_and(|text| template::looks_like_template(&text));
            if known.contains(&link) || followed >= NESTED_TEMPLATES_FOLLOWED || !path.is_file() || !a_template() {
                continue;
            }
            known.push(link);
            followed += 1;
            match template::read(&path, options) {
                Ok(mut scanned) => {
                    scanned.followed.clone_from(&scanned.files);
                    notes.push(format!(
                        "{}: the template of the nested stack {by}, read from disk",
                        path.display()
                    ));
                    files.push(path);
                    read.push(scanned);
                }
                Err(error) => unread.push(format!("{error} (the template of the nested stack {by})")),
            }
        }
    }
}

/// A nested stack's template as CDK writes it into `cdk.out` (`*.nested.template.json`): an asset
/// of the stack that deploys it, which passes every parameter it declares.
fn is_cdk_nested_template(file: &Path) -> bool {
    file.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name.ends_with(".nested.template.json"))
}
