//! AWS's service principals as IAM knows them: which names a trust policy may give a service,
//! and which name a slip (`lamda.amazonaws.com`) was meant as. IAM refuses a service principal
//! no service has ("Invalid principal in policy"); a role saved before IAM checked lets that
//! service in never.

/// The service principals whose names a trust policy gets wrong most (a role's usual assumers): a name
/// one letter from one of them (two, for a name of ten or more), and no service of
/// AWS's service principals (the tests hold a list of them: none is taken for a slip), is a
/// slip for it.
const SERVICES_MISTYPED: [&str; 50] = [
    "access-grants.s3.amazonaws.com",
    "apigateway.amazonaws.com",
    "application.qbusiness.amazonaws.com",
    "apprunner.amazonaws.com",
    "appsync.amazonaws.com",
    "backup.amazonaws.com",
    "batch.amazonaws.com",
    "bedrock-agentcore.amazonaws.com",
    "bedrock.amazonaws.com",
    "build.apprunner.amazonaws.com",
    "cloudformation.amazonaws.com",
    "codebuild.amazonaws.com",
    "codedeploy.amazonaws.com",
    "codepipeline.amazonaws.com",
    "cognito-idp.amazonaws.com",
    "config.amazonaws.com",
    "credentials.iot.amazonaws.com",
    "datasync.amazonaws.com",
    "datazone.amazonaws.com",
    "delivery.logs.amazonaws.com",
    "dms.amazonaws.com",
    "ec2.amazonaws.com",
    "ecs-tasks.amazonaws.com",
    "edgelambda.amazonaws.com",
    "eks-fargate-pods.amazonaws.com",
    "eks.amazonaws.com",
    "elasticmapreduce.amazonaws.com",
    "emr-containers.amazonaws.com",
    "emr-serverless.amazonaws.com",
    "events.amazonaws.com",
    "firehose.amazonaws.com",
    "glue.amazonaws.com",
    "kinesisanalytics.amazonaws.com",
    "lambda.amazonaws.com",
    "logs.amazonaws.com",
    "monitoring.rds.amazonaws.com",
    "osis-pipelines.amazonaws.com",
    "pipes.amazonaws.com",
    "pods.eks.amazonaws.com",
    "qbusiness.amazonaws.com",
    "redshift.amazonaws.com",
    "rolesanywhere.amazonaws.com",
    "sagemaker.amazonaws.com",
    "scheduler.amazonaws.com",
    "servicecatalog.amazonaws.com",
    "ssm.amazonaws.com",
    "states.amazonaws.com",
    "tasks.apprunner.amazonaws.com",
    "transfer.amazonaws.com",
    "vpc-flow-logs.amazonaws.com",
];

/// Names written for a service that has another (`eventbridge` for EventBridge's `events`).
const SERVICES_MISNAMED: [(&str, &str); 7] = [
    ("cloudwatch-events", "events.amazonaws.com"),
    ("eventbridge", "events.amazonaws.com"),
    ("kinesis-firehose", "firehose.amazonaws.com"),
    ("lambda-edge", "edgelambda.amazonaws.com"),
    ("rds-monitoring", "monitoring.rds.amazonaws.com"),
    ("step-functions", "states.amazonaws.com"),
    ("stepfunctions", "states.amazonaws.com"),
];

/// The service principal a `Service` name no service has was surely meant as: a slip from a
/// usual one (`lamda.amazonaws.com`, `codepipeiine.amazonaws.com`) or another name of it
/// (`eventbridge.amazonaws.com`). IAM refuses such a principal ("Invalid principal in policy":
/// it checks that the service exists). A name with a version after a known one
/// (`inspector3`), or a regional one, is not judged: AWS may add it.
pub(crate) fn service_meant(principal: &str) -> Option<&'static str> {
    // The most named first, told by their length and bytes (every check asks of each service).
    if matches!(
        principal,
        "lambda.amazonaws.com"
            | "edgelambda.amazonaws.com"
            | "ecs-tasks.amazonaws.com"
            | "ec2.amazonaws.com"
            | "events.amazonaws.com"
            | "states.amazonaws.com"
            | "scheduler.amazonaws.com"
            | "codebuild.amazonaws.com"
            | "apigateway.amazonaws.com"
    ) {
        return None;
    }
    // `ecs-tasks.amazon.com`: a usual service's name under Amazon's retail domain, which no AWS
    // service principal has (Alexa's `alexa-appkit.amazon.com` is no slip of a usual one).
    if let Some(name) = principal.strip_suffix(".amazon.com") {
        return SERVICES_MISTYPED
            .iter()
            .copied()
            .find(|usual| usual.strip_suffix(".amazonaws.com") == Some(name));
    }
    // China's partition names most services as every other does: IAM there refuses
    // `lambda.amazonaws.com.cn` ("Invalid principal in policy", aws/aws-cdk#2198), which
    // `${AWS::URLSuffix}` writes. Some take the partition's domain (EC2, EMR, Systems Manager,
    // CodeDeploy, CloudWatch Logs), and for most there is no public word either way: only those
    // IAM is known to refuse so are judged.
    if let Some(name) = principal.strip_suffix(".amazonaws.com.cn") {
        const REFUSED_IN_CHINA: [&str; 7] = [
            "lambda",
            "ecs-tasks",
            "eks",
            "monitoring.rds",
            "apigateway",
            "cloudformation",
            "events",
        ];
        return (REFUSED_IN_CHINA.contains(&name))
            .then(|| {
                SERVICES_MISTYPED
                    .iter()
                    .copied()
                    .find(|usual| usual.strip_suffix(".amazonaws.com") == Some(name))
            })
            .flatten();
    }
    let name = principal.strip_suffix(".amazonaws.com")?;
    if name.len() < 4 || SERVICES_MISTYPED.contains(&principal) {
        return None;
    }
    if let Some((_, meant)) = SERVICES_MISNAMED.iter().find(|(misnamed, _)| *misnamed == name) {
        return Some(meant);
    }
    // `inspector2`, `securityhubv2`: a version after a service's name is another service's.
    let versioned = |service: &str| {
        name.strip_prefix(service)
            .is_some_and(|rest| rest.trim_start_matches('v').bytes().all(|b| b.is_ascii_digit()))
    };
    let slip = |principal: &str| {
        let service = principal.strip_suffix(".amazonaws.com").unwrap_or(principal);
        !versioned(service) && slips(name, service) <= slips_allowed(service)
    };
    SERVICES_MISTYPED.iter().copied().find(|principal| slip(principal))
}

/// How many slips a name may hold and still be taken for `service`: none in a short name (`ecs`
/// and `eks`, `sns` and `sqs` are all services), one up to nine letters, two from ten.
fn slips_allowed(service: &str) -> usize {
    match service.len() {
        0..=5 => 0,
        6..=9 => 1,
        _ => 2,
    }
}

/// The slips between two short ASCII names: letters added, dropped, changed, or two side by side
/// swapped (`lamdba`), each one (the optimal string alignment distance).
fn slips(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let width = b.len() + 1;
    let mut table: Vec<usize> = (0..(a.len() + 1) * width)
        .map(|at| match (at / width, at % width) {
            (0, j) => j,
            (i, 0) => i,
            _ => 0,
        })
        .collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let at = |i: usize, j: usize| table.get(i * width + j).copied().unwrap_or(usize::MAX / 2);
            let same = a.get(i - 1) == b.get(j - 1);
            let mut best = (at(i - 1, j) + 1)
                .min(at(i, j - 1) + 1)
                .min(at(i - 1, j - 1) + usize::from(!same));
            let swapped = i > 1 && j > 1 && a.get(i - 1) == b.get(j - 2) && a.get(i - 2) == b.get(j - 1);
            if swapped {
                best = best.min(at(i - 2, j - 2) + 1);
            }
            if let Some(cell) = table.get_mut(i * width + j) {
                *cell = best;
            }
        }
    }
    table.last().copied().unwrap_or_default()
}

/// What a service sends as `aws:SourceArn` when it is always one kind of resource's ARN: the
/// ARN's service field, the start of its resource, and how a message says it. EventBridge
/// Scheduler sends its schedule group's ARN, not the schedule's (the Scheduler guide's
/// confused-deputy example names a group; CDK's scheduler targets write it so).
pub(crate) struct SourceArnKind {
    pub service: &'static str,
    pub resource: &'static str,
    pub described: &'static str,
    /// Such an ARN, for a fix's text.
    pub example: &'static str,
    /// Text no ARN of the kind sent holds anywhere: a pattern that writes it matches none.
    pub never_holds: Option<&'static str>,
    /// The resource a suggestion writes, to fill in, in place of another service's: the
    /// statement stays pinned to one of the service's own.
    pub to_fill_in: Option<&'static str>,
    /// Resources of the service's own it never sends (an event bus's, where a rule's is sent).
    pub not_sent: &'static [&'static str],
}

/// The ARN a service sends as `aws:SourceArn`, by its principal; under its regional name too
/// (`states.us-east-1.amazonaws.com`), which sends the same.
pub(crate) fn source_arn_kind(principal: &str) -> Option<SourceArnKind> {
    let regional = principal.split_once('.').and_then(|(name, rest)| {
        let (region, domain) = rest.split_once('.')?;
        (crate::pattern::is_region(region) && domain == "amazonaws.com").then(|| format!("{name}.amazonaws.com"))
    });
    match regional {
        Some(global) => source_arn_kind_of(&global),
        None => source_arn_kind_of(principal),
    }
}

fn source_arn_kind_of(principal: &str) -> Option<SourceArnKind> {
    match principal {
        "scheduler.amazonaws.com" => Some(SourceArnKind {
            service: "scheduler",
            resource: "schedule-group/",
            described: "it sends its schedule group's ARN (arn:aws:scheduler:REGION:ACCOUNT:schedule-group/GROUP), not a schedule's nor another service's",
            example: "arn:aws:scheduler:REGION:ACCOUNT:schedule-group/GROUP",
            never_holds: Some(":schedule/"),
            to_fill_in: None,
            not_sent: &[],
        }),
        // "The source ARN is the flow log ARN" (the VPC guide's IAM role for flow logs).
        "vpc-flow-logs.amazonaws.com" => Some(SourceArnKind {
            service: "ec2",
            resource: "vpc-flow-log/",
            described: "it sends the flow log's ARN (arn:aws:ec2:REGION:ACCOUNT:vpc-flow-log/fl-…), not a VPC's, a subnet's or another service's",
            example: "arn:aws:ec2:REGION:ACCOUNT:vpc-flow-log/fl-…, or vpc-flow-log/* as a pattern",
            never_holds: Some(":vpc/"),
            to_fill_in: None,
            not_sent: &[],
        }),
        // CloudTrail sends source keys for a CloudTrail Lake event data store alone (delivering a
        // trail to CloudWatch Logs it sends none: `crate::contexts::sends_source_keys_for`).
        "cloudtrail.amazonaws.com" => Some(SourceArnKind {
            service: "cloudtrail",
            resource: "eventdatastore/",
            described: "it sends its event data store's ARN (arn:aws:cloudtrail:REGION:ACCOUNT:eventdatastore/ID, in lower case), not a trail's",
            example: "arn:aws:cloudtrail:REGION:ACCOUNT:eventdatastore/ID",
            never_holds: Some(":trail/"),
            to_fill_in: None,
            not_sent: &[],
        }),
        // A service's own resource's ARN, never another service's: Step Functions' state
        // machine's, CodeBuild's project's or fleet's (their confused-deputy pages).
        "states.amazonaws.com" => Some(SourceArnKind {
            service: "states",
            resource: "stateMachine:",
            described: "it sends its state machine's ARN (arn:aws:states:REGION:ACCOUNT:stateMachine:NAME), not another service's",
            example: "arn:aws:states:REGION:ACCOUNT:stateMachine:NAME",
            never_holds: None,
            to_fill_in: Some("stateMachine:REPLACE_WITH_STATE_MACHINE"),
            not_sent: &[],
        }),
        "codebuild.amazonaws.com" => Some(SourceArnKind {
            service: "codebuild",
            resource: "",
            described: "it sends its project's ARN (arn:aws:codebuild:REGION:ACCOUNT:project/NAME) or its fleet's, not another service's",
            example: "arn:aws:codebuild:REGION:ACCOUNT:project/NAME",
            never_holds: None,
            to_fill_in: Some("project/REPLACE_WITH_PROJECT"),
            not_sent: &[],
        }),
        // "The ARN of the rule that sent the event" (EventBridge's "Using IAM policy conditions").
        "events.amazonaws.com" => Some(SourceArnKind {
            service: "events",
            resource: "",
            described: "it sends the ARN of the rule that sent the event (arn:aws:events:REGION:ACCOUNT:rule/NAME, rule/BUS/NAME on a bus of yours), not its event bus's nor another service's",
            example: "arn:aws:events:REGION:ACCOUNT:rule/NAME",
            never_holds: Some(":event-bus/"),
            to_fill_in: Some("rule/REPLACE_WITH_RULE"),
            not_sent: &["event-bus/", "archive/", "replay/", "connection/", "api-destination/"],
        }),
        // "Specify the trust anchor ARN in aws:SourceArn" (the Roles Anywhere guide's trust
        // model; its profiles are no source): a session's certificate is checked against it.
        "rolesanywhere.amazonaws.com" => Some(SourceArnKind {
            service: "rolesanywhere",
            resource: "trust-anchor/",
            described: "it sends its trust anchor's ARN (arn:aws:rolesanywhere:REGION:ACCOUNT:trust-anchor/ID), not a profile's nor another service's",
            example: "arn:aws:rolesanywhere:REGION:ACCOUNT:trust-anchor/ID",
            never_holds: Some(":profile/"),
            to_fill_in: None,
            not_sent: &[],
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slip_is_one_letter_or_two_swapped() {
        assert_eq!(slips("lamdba", "lambda"), 1);
        assert_eq!(slips("lamda", "lambda"), 1);
        assert_eq!(slips("lambda", "lambda"), 0);
        assert_eq!(slips("codepipeiine", "codepipeline"), 1);
        assert_eq!(slips("sattes", "states"), 1);
        assert_eq!(slips("", "abc"), 3);
        assert_eq!(service_meant("lamdba.amazonaws.com"), Some("lambda.amazonaws.com"));
        assert_eq!(service_meant("evnets.amazonaws.com"), Some("events.amazonaws.com"));
        assert_eq!(service_meant("lambda.amazonaws.com"), None);
        assert_eq!(service_meant("lambdav2.amazonaws.com"), None);
        assert_eq!(service_meant("ecs.amazonaws.com"), None);
        // Amazon's retail domain for AWS's.
        assert_eq!(service_meant("ecs-tasks.amazon.com"), Some("ecs-tasks.amazonaws.com"));
        assert_eq!(service_meant("ec2.amazon.com"), Some("ec2.amazonaws.com"));
        assert_eq!(service_meant("alexa-appkit.amazon.com"), None);
    }

    /// The names of AWS service principals (without `.amazonaws.com`) that IAM takes in a trust
    /// policy: those IAM accepted when iam-floyd's list of service principals
    /// (github.com/udondan/iam-floyd, `lib/generated/aws-service-principals`) was checked against
    /// it, and a few more AWS documents. Not every one: new services come, so a name missing here
    /// is judged only when it is a slip from one of [`SERVICES_MISTYPED`]; every one here is
    /// taken as itself.
    const KNOWN_SERVICES: [&str; 417] = [
        "a4b",
        "access-analyzer",
        "access-grants.s3",
        "account",
        "account-access",
        "acm",
        "acm-pca",
        "aco-automation",
        "agent-registry",
        "agent.wellarchitected",
        "agentless.inspector2",
        "aiops",
        "airflow",
        "airflow-env",
        "airflow-serverless",
        "ami.inspector2",
        "amplify",
        "apidestinations.events",
        "apigateway",
        "app-integrations",
        "appfabric",
        "appflow",
        "application-autoscaling",
        "application-insights",
        "application-signals.cloudwatch",
        "application-transformation",
        "application.qbusiness",
        "appmesh",
        "apprunner",
        "appstream",
        "appstream.application-autoscaling",
        "appsync",
        "aps",
        "artifact",
        "assets.marketplace",
        "athena",
        "auditmanager",
        "automation",
        "autoscaling",
        "autoscaling-plans",
        "aws-artifact-account-sync",
        "aws-external-anthropic",
        "backup",
        "batch",
        "batchoperations.s3",
        "bedrock",
        "bedrock-agentcore",
        "bedrock-mantle",
        "braket",
        "budgets",
        "bugbust",
        "build.apprunner",
        "cassandra-streams",
        "cassandra.application-autoscaling",
        "channels.lex",
        "channels.lexv2",
        "chatbot",
        "chime",
        "cleanrooms",
        "cleanrooms-ml",
        "cloud9",
        "clouddirectory",
        "cloudformation",
        "cloudfront",
        "cloudhsm",
        "cloudsearch",
        "cloudtrail",
        "cloudwatch",
        "cloudwatch-crossaccount",
        "codeartifact",
        "codebuild",
        "codecatalyst",
        "codecatalyst-runner",
        "codecommit",
        "codedeploy",
        "codeguru-profiler",
        "codeguru-reviewer",
        "codeguru-security",
        "codepipeline",
        "codestar",
        "codestar-notifications",
        "cognito-idp",
        "cognito-sync",
        "comprehend",
        "comprehend.application-autoscaling",
        "compute-optimizer",
        "config",
        "config-conforms",
        "config-multiaccountsetup",
        "connect",
        "connect-campaigns",
        "context.cloudtrail",
        "continuousexport.discovery",
        "contract.iq",
        "contributorinsights.dynamodb",
        "controltower",
        "cost-optimization-hub.bcm",
        "costalerts",
        "credentials.iot",
        "custom-resource.application-autoscaling",
        "custom.rds",
        "custom.rds-preview",
        "databrew",
        "dataexchange",
        "datapipeline",
        "datasync",
        "datazone",
        "datazonecontrol",
        "dax",
        "deeplens",
        "delivery.logs",
        "detective",
        "devops-guru",
        "diode",
        "directconnect",
        "directquery.opensearchservice",
        "discovery",
        "dlm",
        "dms",
        "dmsintegration.migrationhub",
        "docdb-elastic",
        "drs",
        "ds",
        "dsql",
        "dynamodb",
        "dynamodb.application-autoscaling",
        "ec",
        "ec2",
        "ec2-images",
        "ec2-instance-connect",
        "ec2.application-autoscaling",
        "ec2.application-status-checks",
        "ec2.capacitymanager",
        "ec2fastlaunch",
        "ec2fleet",
        "ec2scheduled",
        "ec2sqlha",
        "ecr",
        "ecs",
        "ecs-compute",
        "ecs-tasks",
        "ecs.application-autoscaling",
        "edgelambda",
        "eks",
        "eks-connector",
        "eks-fargate",
        "eks-fargate-pods",
        "eks-nodegroup",
        "elasticache",
        "elasticache.application-autoscaling",
        "elasticbeanstalk",
        "elasticfilesystem",
        "elasticloadbalancing",
        "elasticmapreduce",
        "elastictranscoder",
        "email.cognito-idp",
        "emr-containers",
        "emr-serverless",
        "entityresolution",
        "es",
        "event-processor.health",
        "events",
        "events.managedservices",
        "events.workmail",
        "evs",
        "export.rds",
        "finops-agent",
        "finspace",
        "firehose",
        "fis",
        "fms",
        "forecast",
        "frauddetector",
        "freertos",
        "fsx",
        "gamelift",
        "glacier",
        "globalaccelerator",
        "glue",
        "grafana",
        "greengrass",
        "groundstation",
        "guardduty",
        "health",
        "healthlake",
        "honeycode",
        "iam",
        "imagebuilder",
        "importexport",
        "inspector",
        "inspector2",
        "internetmonitor",
        "iot",
        "iotanalytics",
        "iotevents",
        "iotmanagedintegrations",
        "iotroborunner",
        "iotsitewise",
        "iotthingsgraph",
        "iottwinmaker",
        "ivs",
        "job.sagemaker",
        "justintimeaccess.ssm",
        "kafka",
        "kafka.application-autoscaling",
        "kafkaconnect",
        "kendra",
        "kinesis",
        "kinesisanalytics",
        "kinesisreplication.dynamodb",
        "kms",
        "lakeformation",
        "lambda",
        "lambda.application-autoscaling",
        "launchwizard",
        "lex",
        "lexv2",
        "license-management.marketplace",
        "license-manager",
        "license-manager-user-subscriptions",
        "license-manager.member-account",
        "lightsail",
        "logger.cloudfront",
        "logs",
        "lookoutequipment",
        "lookoutmetrics",
        "m2",
        "machinelearning",
        "macie",
        "maintenance.elasticbeanstalk",
        "malware-protection-plan.guardduty",
        "malware-protection.guardduty",
        "managedblockchain",
        "managedservices",
        "managedupdates.elasticbeanstalk",
        "mediaconnect",
        "mediaconvert",
        "mediapackage",
        "mediastore",
        "mediatailor",
        "medical-imaging",
        "meetings.chime",
        "member.org.stacksets.cloudformation",
        "memorydb",
        "metrics.wellarchitected",
        "mgn",
        "migrationhub",
        "migrationhub-orchestrator",
        "migrationhub-strategy",
        "mobileanalytics",
        "mobilehub",
        "monitoring.rds",
        "monitoring.thinclient",
        "monitron",
        "mpa",
        "mq",
        "neptune-graph",
        "neptune.application-autoscaling",
        "network-connectors.lambda",
        "network-firewall",
        "network-security-director",
        "network-security-manager",
        "network.bedrock-agentcore",
        "networkmanager",
        "notifications",
        "notifications.ssm",
        "observability.aoss",
        "observabilityadmin",
        "odb",
        "omics",
        "opensearchservice",
        "ops.apigateway",
        "ops.emr-serverless",
        "opsworks",
        "opsworks-cm",
        "organizations",
        "orgsdatasync.servicecatalog",
        "osis",
        "osis-pipelines",
        "outposts",
        "panorama",
        "partnercentral-account-management",
        "pcs",
        "permission.iq",
        "personalize",
        "pinpoint",
        "pipes",
        "pods.eks",
        "practice-run.arc-zonal-shift",
        "private-marketplace.marketplace",
        "profile",
        "proton",
        "purchaseorders",
        "q",
        "qapps",
        "qbusiness",
        "qldb",
        "quicksight",
        "ram",
        "rds",
        "rds-preview",
        "rds.application-autoscaling",
        "redshift",
        "redshift-data",
        "redshift-serverless",
        "refactor-spaces",
        "rekognition",
        "remediation.config",
        "replication.cassandra",
        "replication.dynamodb",
        "replication.ecr",
        "replication.lexv2",
        "replication.s3tables",
        "replicator.lambda",
        "reporting.trustedadvisor",
        "repository.sync.codeconnections",
        "repostspace",
        "resale-authorization.marketplace",
        "researchstudio",
        "resiliencehub",
        "resource-explorer-2",
        "resource-groups",
        "resource-snapshot-job.partnercentral-selling",
        "restore-testing.backup",
        "robomaker",
        "rolesanywhere",
        "route53",
        "route53domains",
        "route53resolver",
        "rtbfabric",
        "runtime-identity.bedrock-agentcore",
        "runtime-instances.bedrock-agentcore",
        "s3",
        "s3-outposts",
        "s3.data-source.lustre.fsx",
        "sagemaker",
        "sagemaker-geospatial",
        "sagemaker.application-autoscaling",
        "scaler.lambda",
        "scheduler",
        "schema-conversion.dms",
        "schemas",
        "scraper.aps",
        "secretsmanager",
        "security-ir",
        "securityagent",
        "securityhub",
        "securityhubv2",
        "securitylake",
        "self-managed-vpce.osis",
        "serverlessrepo",
        "servicecatalog",
        "servicecatalog-appregistry",
        "servicediscovery",
        "servicequotas",
        "ses",
        "shield",
        "signer",
        "signin",
        "sms",
        "sms-voice",
        "smsintegration.migrationhub",
        "sns",
        "social-messaging",
        "spot",
        "spotfleet",
        "sqlworkbench",
        "sqs",
        "ssm",
        "ssm-guiconnect",
        "ssm-incidents",
        "ssm-quicksetup",
        "ssm-sap",
        "ssm.integrations",
        "sso",
        "states",
        "storagegateway",
        "streams.metrics.cloudwatch",
        "sts",
        "support",
        "supportplans",
        "swf",
        "sync.proton",
        "synthetics",
        "tagpolicies.tag",
        "tasks.apprunner",
        "telemetry-enablement.observabilityadmin",
        "telemetry-pipelines.observabilityadmin",
        "textract",
        "thirdparty.config",
        "thirdparty.inspector2",
        "timestream",
        "timestream-influxdb",
        "transcribe",
        "transfer",
        "transform-custom",
        "transitgateway",
        "translate",
        "triage.security-ir",
        "trustedadvisor",
        "tts",
        "vmie",
        "vpc-flow-logs",
        "vpc-lattice",
        "vpcorigin.cloudfront",
        "waf",
        "waf-regional",
        "wafv2",
        "wam",
        "wellarchitected",
        "workdocs",
        "worklink",
        "workmail",
        "workspaces",
        "workspaces-instances",
        "workspaces.application-autoscaling",
        "xray",
    ];

    #[test]
    fn no_known_service_is_taken_for_a_slip_and_the_usual_ones_are_known() {
        for known in KNOWN_SERVICES {
            assert_eq!(service_meant(&format!("{known}.amazonaws.com")), None, "{known}");
        }
        for usual in SERVICES_MISTYPED {
            let name = usual.strip_suffix(".amazonaws.com").unwrap();
            assert!(KNOWN_SERVICES.contains(&name), "{usual}");
        }
        for (misnamed, _) in SERVICES_MISNAMED {
            assert!(!KNOWN_SERVICES.contains(&misnamed), "{misnamed}");
        }
        // No name is a slip from two usual services: what was meant is never a guess.
        let name = |principal: &'static str| principal.strip_suffix(".amazonaws.com").unwrap();
        for a in SERVICES_MISTYPED.map(name) {
            for b in SERVICES_MISTYPED.map(name).into_iter().filter(|b| *b != a) {
                assert!(slips(a, b) > slips_allowed(a) + slips_allowed(b), "{a} {b}");
            }
        }
    }
}
