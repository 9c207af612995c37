//! Whether Config records IAM roles where the rule runs. Change events come only from a
//! recorder that is on and records `AWS::IAM::Role`: stopped, deleted or narrowed, no item is
//! recorded and no event sent, so the rule hears of a changed trust policy only at the next
//! sweep. Stopping the recorder is an attacker's known first step to hide a change (MITRE ATT&CK
//! T1562.001), and a recorder that leaves IAM out is a common deployment mistake: the sweep asks
//! each time and the stacks alarm on the answer.

use aws_sdk_config::types::{
    ConfigRule, ConfigRuleState, ConfigurationRecorder, ConfigurationRecorderStatus, MessageType, Owner,
    RecordingFrequency, RecordingGroup, RecordingStrategyType,
};
use trustcheck::unqualified_function;

use crate::{error::AwsError, item::ROLE_RESOURCE_TYPE};

/// The Regions where AWS Config can't record the global IAM types, whatever the recording group
/// says: those it has supported since February 2022 (Config's "Recording AWS resources | Global
/// resources").
const NO_IAM_RECORDING: [&str; 12] = [
    "ap-south-2",     // Hyderabad
    "ap-southeast-4", // Melbourne
    "ap-southeast-5", // Malaysia
    "ap-southeast-6", // New Zealand
    "ap-southeast-7", // Thailand
    "ap-east-2",      // Taipei
    "eu-central-2",   // Zurich
    "eu-south-2",     // Spain
    "me-central-1",   // UAE
    "il-central-1",   // Tel Aviv
    "ca-west-1",      // Calgary
    "mx-central-1",   // Mexico
];

/// What the account's recorder in this region does for IAM roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleRecording {
    /// The recorder of that name is on and records roles: change events come.
    Recorded { recorder: String },
    /// No change event comes for roles: the reason, for the log and the alarm.
    NotRecorded { reason: String },
}

impl RoleRecording {
    pub fn is_recorded(&self) -> bool {
        matches!(self, RoleRecording::Recorded { .. })
    }
}

/// Asks Config (`DescribeConfigurationRecorders`, `DescribeConfigurationRecorderStatus`; with no
/// name both answer for the account's customer-managed recorder, the one whose items trigger
/// custom rules) whether roles are recorded here.
pub async fn role_recording(config: &aws_sdk_config::Client) -> Result<RoleRecording, AwsError> {
    if let Some(unrecorded) = unrecordable_region(config.config().region().map(|r| r.as_ref())) {
        return Ok(unrecorded);
    }
    let recorders = config
        .describe_configuration_recorders()
        .send()
        .await
        .map_err(|e| AwsError::new("config:DescribeConfigurationRecorders", e))?;
    let statuses = config
        .describe_configuration_recorder_status()
        .send()
        .await
        .map_err(|e| AwsError::new("config:DescribeConfigurationRecorderStatus", e))?;
    let now = aws_sdk_config::primitives::DateTime::from(std::time::SystemTime::now()).secs();
    let running = |name: &str| {
        (statuses.configuration_recorders_status().iter())
            .find(|status| status.name() == Some(name))
            .map_or(Running::Stopped, |status| running(status, now))
    };
    Ok(judged(recorders.configuration_recorders(), running))
}

/// What a recorder's status says of it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Running {
    Stopped,
    Recording,
    /// On, but its recording has failed for [`FAILING_FOR_SECS`] or longer (its role lost its
    /// permissions, say): no item is recorded and no event sent, as when it is stopped. Why.
    Failing(String),
    /// On again, but stopped within [`STOPPED_WITHIN_SECS`]: a trust policy changed and changed
    /// back while it was off was recorded by no item, and no sweep saw it. When.
    Restarted(String),
}

/// How long a recorder that is on may fail before changes count as unheard: a failure that clears
/// at the next attempt is no silence.
const FAILING_FOR_SECS: i64 = 3_600;

/// How long after a stop of the recorder the sweeps say so: a day between two sweeps (the
/// longest schedule a rule takes) and two hours to spare. Stopping it, changing a trust policy and
/// changing it back, then starting it again before the next sweep is otherwise unheard.
const STOPPED_WITHIN_SECS: i64 = 26 * 3_600;

fn running(status: &ConfigurationRecorderStatus, now: i64) -> Running {
    if !status.recording() {
        return Running::Stopped;
    }
    let since = status.last_status_change_time().map(|t| t.secs());
    // Config answers `FAILURE` in capitals, which the SDK's enum (`Failure`) takes for an unknown
    // value: compared as text.
    let failed = status
        .last_status()
        .is_some_and(|s| s.as_str().eq_ignore_ascii_case("failure"));
    match since {
        Some(since) if failed && now.saturating_sub(since) >= FAILING_FOR_SECS => Running::Failing(format!(
            "its recording has failed since {} ({})",
            config_time(since),
            status.last_error_code().unwrap_or("no error code")
        )),
        // A failure that goes on is said first; else a gap in recording since the last sweep.
        _ => match status.last_stop_time().map(|t| t.secs()) {
            Some(stopped) if now.saturating_sub(stopped) < STOPPED_WITHIN_SECS => {
                let started = status.last_start_time().map(|t| t.secs()).filter(|&at| at >= stopped);
                Running::Restarted(format!(
                    "was stopped from {} to {}",
                    config_time(stopped),
                    started.map_or_else(|| "an unknown time".to_owned(), config_time)
                ))
            }
            _ => Running::Recording,
        },
    }
}

/// `since` as Config writes times (RFC 3339, UTC).
fn config_time(since: i64) -> String {
    aws_sdk_config::primitives::DateTime::from_secs(since)
        .fmt(aws_sdk_config::primitives::DateTimeFormat::DateTime)
        .unwrap_or_else(|_| since.to_string())
}

/// Whether the rule named `rule` still takes the change events of IAM roles, as the stacks deploy
/// it: both change triggers (and its periodic one), and a scope of `AWS::IAM::Role` with no tag
/// or resource id. An edit
/// of the rule that drops them (anyone allowed `config:PutConfigRule` can) silences every change
/// event as a stopped recorder does, while its periodic sweeps go on. `None` when it does, else
/// why not (`DescribeConfigRules`; a rule not found is one that takes none). `own_function`, the
/// function asking (its ARN, qualified or not; empty when unknown), is the one the rule must
/// invoke: a rule pointed at another function hands that one Config's events and result tokens,
/// which it may drop or forward rewritten.
pub async fn rule_hearing(
    config: &aws_sdk_config::Client,
    rule: &str,
    own_function: &str,
) -> Result<Option<String>, AwsError> {
    let found = config.describe_config_rules().config_rule_names(rule).send().await;
    let rules = match found {
        Ok(found) => found,
        Err(error)
            if error
                .as_service_error()
                .is_some_and(|e| e.is_no_such_config_rule_exception()) =>
        {
            return Ok(Some(format!("the Config rule {rule} was not found")));
        }
        Err(error) => return Err(AwsError::new("config:DescribeConfigRules", error)),
    };
    Ok(
        match rules.config_rules().iter().find(|r| r.config_rule_name() == Some(rule)) {
            Some(found) => rule_judged(found, own_function),
            None => Some(format!("the Config rule {rule} was not found")),
        },
    )
}

/// Why `rule` takes no change event of a role, or hands them to another function than
/// `own_function`, if it does.
fn rule_judged(rule: &ConfigRule, own_function: &str) -> Option<String> {
    let name = rule.config_rule_name().unwrap_or_default();
    if let Some(state @ (ConfigRuleState::Deleting | ConfigRuleState::DeletingResults)) = rule.config_rule_state() {
        return Some(format!("the Config rule {name} is being deleted ({state})"));
    }
    if let Some(source) = rule.source().filter(|_| !own_function.is_empty()) {
        if source.owner() != &Owner::CustomLambda {
            return Some(format!(
                "the Config rule {name} was edited: it is no custom Lambda rule now (owner {})",
                source.owner()
            ));
        }
        let invoked = source.source_identifier().unwrap_or_default();
        if unqualified_function(invoked) != unqualified_function(own_function) {
            return Some(format!(
                "the Config rule {name} was edited: it invokes {invoked}, not this function ({})",
                unqualified_function(own_function)
            ));
        }
    }
    // Every custom Lambda rule lists its triggers; none listed is no edit to judge.
    let details = rule.source().map_or(&[][..], |s| s.source_details());
    let triggered_by = |kind: &MessageType| details.iter().any(|d| d.message_type() == Some(kind));
    // The periodic trigger too: without it the rule sweeps no more (dates that run out, deleted
    // roles, results left to the next sweep wait), which only a change event can then notice.
    let missing: Vec<&str> = [
        MessageType::ConfigurationItemChangeNotification,
        MessageType::OversizedConfigurationItemChangeNotification,
        MessageType::ScheduledNotification,
    ]
    .iter()
    .filter(|kind| !details.is_empty() && !triggered_by(kind))
    .map(MessageType::as_str)
    .collect();
    if !missing.is_empty() {
        return Some(format!(
            "the Config rule {name} was edited: it lacks the trigger {}",
            missing.join(" and ")
        ));
    }
    let scope = rule.scope()?;
    if let Some(tag) = scope.tag_key() {
        return Some(format!(
            "the Config rule {name} was edited: its scope takes only resources tagged {tag}"
        ));
    }
    if let Some(id) = scope.compliance_resource_id() {
        return Some(format!(
            "the Config rule {name} was edited: its scope takes only the resource {id}"
        ));
    }
    let types = scope.compliance_resource_types();
    if !types.is_empty() && !types.iter().any(|t| t == ROLE_RESOURCE_TYPE) {
        return Some(format!(
            "the Config rule {name} was edited: its scope leaves {ROLE_RESOURCE_TYPE} out"
        ));
    }
    None
}

/// `NotRecorded` in a Region where Config can't record IAM roles at all.
fn unrecordable_region(region: Option<&str>) -> Option<RoleRecording> {
    let region = region.filter(|r| NO_IAM_RECORDING.contains(r))?;
    Some(RoleRecording::NotRecorded {
        reason: format!(
            "AWS Config can't record IAM roles in {region}, a Region it supports since February 2022: deploy the rule in a Region that records them"
        ),
    })
}

/// The recording of roles that `recorders` and what each is doing (`running`) give.
fn judged(recorders: &[ConfigurationRecorder], running: impl Fn(&str) -> Running) -> RoleRecording {
    if recorders.is_empty() {
        return RoleRecording::NotRecorded {
            reason: "no configuration recorder in this region".to_owned(),
        };
    }
    // The recorders whose group takes roles in, by name.
    let recording_roles: Vec<(&str, &ConfigurationRecorder)> = recorders
        .iter()
        .filter(|r| r.recording_group().is_some_and(records_roles))
        .filter_map(|r| Some((r.name()?, r)))
        .collect();
    if let Some((name, recorder, state)) = (recording_roles.iter())
        .map(|(name, recorder)| (name, recorder, running(name)))
        .find(|(_, _, state)| *state != Running::Stopped)
    {
        if let Running::Failing(why) = state {
            return RoleRecording::NotRecorded {
                reason: format!("the configuration recorder {name} is on, but {why}: no change is recorded"),
            };
        }
        if let Running::Restarted(when) = state {
            return RoleRecording::NotRecorded {
                reason: format!(
                    "the configuration recorder {name} {when}: a change made and undone in between was recorded by no item (CloudTrail has it)"
                ),
            };
        }
        // Recorded once a day, a change is heard up to a day late: as late as a daily sweep.
        if records_roles_daily(recorder) {
            return RoleRecording::NotRecorded {
                reason: format!(
                    "the configuration recorder {name} records {ROLE_RESOURCE_TYPE} daily: a change is heard up to a day late"
                ),
            };
        }
        return RoleRecording::Recorded {
            recorder: (*name).to_owned(),
        };
    }
    let reason = match recording_roles.first() {
        Some((name, _)) => format!("the configuration recorder {name} is stopped"),
        None => format!(
            "the configuration recorder {} leaves {ROLE_RESOURCE_TYPE} out of its recording group",
            recorders.iter().filter_map(|r| r.name()).collect::<Vec<_>>().join(", ")
        ),
    };
    RoleRecording::NotRecorded { reason }
}

/// Whether the recorder's mode records roles once a day: its default frequency, unless an
/// override for `AWS::IAM::Role` says otherwise.
fn records_roles_daily(recorder: &ConfigurationRecorder) -> bool {
    let Some(mode) = recorder.recording_mode() else {
        return false;
    };
    let overridden = mode
        .recording_mode_overrides()
        .iter()
        .find(|o| o.resource_types().iter().any(|t| t.as_str() == ROLE_RESOURCE_TYPE));
    let frequency = overridden.map_or(mode.recording_frequency(), |o| o.recording_frequency());
    *frequency == RecordingFrequency::Daily
}

/// Whether a recording group takes in `AWS::IAM::Role` (API_RecordingGroup, API_RecordingStrategy):
/// all supported types take the global IAM types only with `includeGlobalResourceTypes`; an
/// inclusion list must name it; an exclusion list must not.
fn records_roles(group: &RecordingGroup) -> bool {
    let names_roles =
        |types: &[aws_sdk_config::types::ResourceType]| types.iter().any(|t| t.as_str() == ROLE_RESOURCE_TYPE);
    match group.recording_strategy().and_then(|s| s.use_only()) {
        Some(RecordingStrategyType::ExclusionByResourceTypes) => {
            !names_roles(group.exclusion_by_resource_types().map_or(&[], |e| e.resource_types()))
        }
        Some(RecordingStrategyType::InclusionByResourceTypes) => names_roles(group.resource_types()),
        // ALL_SUPPORTED_RESOURCE_TYPES, or a group written before strategies: its flags decide.
        _ if group.all_supported() => group.include_global_resource_types(),
        _ => names_roles(group.resource_types()),
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_config::types::{ExclusionByResourceTypes, RecorderStatus, RecordingStrategy, ResourceType};

    use super::*;

    fn recorder(name: &str, group: RecordingGroup) -> ConfigurationRecorder {
        ConfigurationRecorder::builder()
            .name(name)
            .recording_group(group)
            .build()
    }

    fn strategy(kind: RecordingStrategyType) -> RecordingStrategy {
        RecordingStrategy::builder().use_only(kind).build()
    }

    #[test]
    fn each_recording_strategy_takes_roles_in_or_leaves_them_out() {
        let role = ResourceType::from(ROLE_RESOURCE_TYPE);
        let function = ResourceType::from("AWS::Lambda::Function");
        let all = |global| {
            RecordingGroup::builder()
                .all_supported(true)
                .include_global_resource_types(global)
                .build()
        };
        assert!(records_roles(&all(true)));
        assert!(
            !records_roles(&all(false)),
            "all supported types leave IAM out by default"
        );
        let all_by_strategy = RecordingGroup::builder()
            .all_supported(true)
            .recording_strategy(strategy(RecordingStrategyType::AllSupportedResourceTypes))
            .build();
        assert!(!records_roles(&all_by_strategy));
        let including = |types: Vec<ResourceType>| {
            RecordingGroup::builder()
                .set_resource_types(Some(types))
                .recording_strategy(strategy(RecordingStrategyType::InclusionByResourceTypes))
                .build()
        };
        assert!(records_roles(&including(vec![function.clone(), role.clone()])));
        assert!(!records_roles(&including(vec![function.clone()])));
        let excluding = |types: Vec<ResourceType>| {
            RecordingGroup::builder()
                .exclusion_by_resource_types(
                    ExclusionByResourceTypes::builder()
                        .set_resource_types(Some(types))
                        .build(),
                )
                .recording_strategy(strategy(RecordingStrategyType::ExclusionByResourceTypes))
                .build()
        };
        assert!(records_roles(&excluding(vec![function.clone()])));
        assert!(!records_roles(&excluding(vec![function.clone(), role.clone()])));
        // A list of types without a strategy: an inclusion list.
        let listed = RecordingGroup::builder().resource_types(role).build();
        assert!(records_roles(&listed));
        assert!(!records_roles(&RecordingGroup::builder().build()));
    }

    #[test]
    fn roles_are_recorded_only_by_a_recorder_that_takes_them_in_and_is_on() {
        let roles = RecordingGroup::builder()
            .all_supported(true)
            .include_global_resource_types(true)
            .build();
        let no_iam = RecordingGroup::builder().all_supported(true).build();
        assert_eq!(
            judged(&[], |_| Running::Recording),
            RoleRecording::NotRecorded {
                reason: "no configuration recorder in this region".into()
            }
        );
        assert_eq!(
            judged(&[recorder("default", roles.clone())], |_| Running::Recording),
            RoleRecording::Recorded {
                recorder: "default".into()
            }
        );
        assert_eq!(
            judged(&[recorder("default", roles.clone())], |_| Running::Stopped),
            RoleRecording::NotRecorded {
                reason: "the configuration recorder default is stopped".into()
            }
        );
        assert_eq!(
            judged(&[recorder("default", no_iam.clone())], |_| Running::Recording),
            RoleRecording::NotRecorded {
                reason: "the configuration recorder default leaves AWS::IAM::Role out of its recording group".into()
            }
        );
        // Another recorder that is on doesn't record roles for the one that is off.
        let both = [recorder("iam", roles.clone()), recorder("other", no_iam)];
        let on = |which: &'static str| {
            move |name: &str| match name == which {
                true => Running::Recording,
                false => Running::Stopped,
            }
        };
        assert!(!judged(&both, on("other")).is_recorded());
        assert!(judged(&both, on("iam")).is_recorded());
    }

    /// A recorder that is on but has failed to record for an hour hears no change, as a stopped
    /// one; a failure younger than that, or a success, is no silence.
    #[test]
    fn a_recorder_on_but_failing_for_an_hour_records_nothing() {
        let roles = RecordingGroup::builder()
            .all_supported(true)
            .include_global_resource_types(true)
            .build();
        let now = 1_800_000_000;
        let status = |last: RecorderStatus, ago: i64| {
            ConfigurationRecorderStatus::builder()
                .name("default")
                .recording(true)
                .last_status(last)
                .last_status_change_time(aws_sdk_config::primitives::DateTime::from_secs(now - ago))
                .last_error_code("AccessDeniedException")
                .build()
        };
        // As Config sends it (`"lastStatus": "FAILURE"`), which the SDK reads as an unknown value.
        let failing = running(&status(RecorderStatus::from("FAILURE"), 7_200), now);
        assert_eq!(failing, running(&status(RecorderStatus::Failure, 7_200), now));
        assert_eq!(
            judged(&[recorder("default", roles.clone())], |_| failing.clone()),
            RoleRecording::NotRecorded {
                reason: "the configuration recorder default is on, but its recording has failed since 2027-01-15T06:00:00Z (AccessDeniedException): no change is recorded".into()
            }
        );
        assert_eq!(running(&status(RecorderStatus::Failure, 600), now), Running::Recording);
        assert_eq!(
            running(&status(RecorderStatus::from("SUCCESS"), 7_200), now),
            Running::Recording
        );
        let stopped = ConfigurationRecorderStatus::builder()
            .name("default")
            .recording(false)
            .build();
        assert_eq!(running(&stopped, now), Running::Stopped);
    }

    #[test]
    fn a_recorder_stopped_and_started_again_since_the_last_sweep_is_a_gap_in_recording() {
        let now = 1_800_000_000;
        let restarted = |stopped_ago: i64, started_ago: Option<i64>| {
            ConfigurationRecorderStatus::builder()
                .name("default")
                .recording(true)
                .last_status(RecorderStatus::Success)
                .last_stop_time(aws_sdk_config::primitives::DateTime::from_secs(now - stopped_ago))
                .set_last_start_time(started_ago.map(|ago| aws_sdk_config::primitives::DateTime::from_secs(now - ago)))
                .build()
        };
        let gap = running(&restarted(3_600, Some(1_800)), now);
        assert_eq!(
            gap,
            Running::Restarted("was stopped from 2027-01-15T07:00:00Z to 2027-01-15T07:30:00Z".into())
        );
        let roles = RecordingGroup::builder()
            .resource_types(ROLE_RESOURCE_TYPE.into())
            .build();
        assert_eq!(
            judged(&[recorder("default", roles)], |_| gap.clone()),
            RoleRecording::NotRecorded {
                reason: "the configuration recorder default was stopped from 2027-01-15T07:00:00Z to 2027-01-15T07:30:00Z: a change made and undone in between was recorded by no item (CloudTrail has it)".into()
            }
        );
        // A start older than the stop is not when it started again.
        assert_eq!(
            running(&restarted(3_600, Some(7_200)), now),
            Running::Restarted("was stopped from 2027-01-15T07:00:00Z to an unknown time".into())
        );
        // A day and more ago: the sweeps since have said so, and judged every role after it.
        assert_eq!(
            running(&restarted(26 * 3_600, Some(25 * 3_600)), now),
            Running::Recording
        );
    }

    #[test]
    fn a_rule_edited_to_take_no_change_event_of_a_role_is_named_with_the_edit() {
        use aws_sdk_config::types::{EventSource, Scope, Source, SourceDetail};
        const EVALUATOR: &str = "arn:aws:lambda:us-east-1:123456789012:function:evaluator";
        let rule_judged = |rule: &ConfigRule| super::rule_judged(rule, EVALUATOR);
        let detail = |kind: MessageType| {
            SourceDetail::builder()
                .event_source(EventSource::AwsConfig)
                .message_type(kind)
                .build()
        };
        let deployed = [
            MessageType::ConfigurationItemChangeNotification,
            MessageType::OversizedConfigurationItemChangeNotification,
            MessageType::ScheduledNotification,
        ];
        let rule = |kinds: &[MessageType], scope: Scope| {
            ConfigRule::builder()
                .config_rule_name("trustcheck")
                .config_rule_state(ConfigRuleState::Active)
                .source(
                    Source::builder()
                        .owner(Owner::CustomLambda)
                        .source_identifier(EVALUATOR)
                        .set_source_details(Some(kinds.iter().cloned().map(detail).collect()))
                        .build()
                        .unwrap(),
                )
                .scope(scope)
                .build()
        };
        let roles = || Scope::builder().compliance_resource_types(ROLE_RESOURCE_TYPE);
        assert_eq!(rule_judged(&rule(&deployed, roles().build())), None);
        assert_eq!(
            rule_judged(&rule(&[MessageType::ScheduledNotification], roles().build())).as_deref(),
            Some("the Config rule trustcheck was edited: it lacks the trigger ConfigurationItemChangeNotification and OversizedConfigurationItemChangeNotification")
        );
        assert_eq!(
            rule_judged(&rule(&deployed[1..], roles().build())).as_deref(),
            Some("the Config rule trustcheck was edited: it lacks the trigger ConfigurationItemChangeNotification")
        );
        // Stripped of its periodic trigger, the rule sweeps no more: only its change events can say.
        assert_eq!(
            rule_judged(&rule(&deployed[..2], roles().build())).as_deref(),
            Some("the Config rule trustcheck was edited: it lacks the trigger ScheduledNotification")
        );
        assert_eq!(
            rule_judged(&rule(&deployed, Scope::builder().tag_key("audited").build())).as_deref(),
            Some("the Config rule trustcheck was edited: its scope takes only resources tagged audited")
        );
        assert_eq!(
            rule_judged(&rule(&deployed, roles().compliance_resource_id("AROAONEROLE").build())).as_deref(),
            Some("the Config rule trustcheck was edited: its scope takes only the resource AROAONEROLE")
        );
        let buckets = Scope::builder().compliance_resource_types("AWS::S3::Bucket").build();
        assert_eq!(
            rule_judged(&rule(&deployed, buckets)).as_deref(),
            Some("the Config rule trustcheck was edited: its scope leaves AWS::IAM::Role out")
        );
        // Pointed at another function, which gets Config's events and result tokens: it may drop
        // them, or forward them rewritten. The function asking may be a version or an alias.
        let mut proxied = rule(&deployed, roles().build());
        proxied.source = Some(
            Source::builder()
                .owner(Owner::CustomLambda)
                .source_identifier("arn:aws:lambda:us-east-1:123456789012:function:proxy")
                .set_source_details(Some(deployed.iter().cloned().map(detail).collect()))
                .build()
                .unwrap(),
        );
        assert_eq!(
            rule_judged(&proxied).as_deref(),
            Some("the Config rule trustcheck was edited: it invokes arn:aws:lambda:us-east-1:123456789012:function:proxy, not this function (arn:aws:lambda:us-east-1:123456789012:function:evaluator)")
        );
        assert_eq!(
            super::rule_judged(&proxied, "arn:aws:lambda:us-east-1:123456789012:function:proxy:live"),
            None
        );
        assert_eq!(super::rule_judged(&proxied, ""), None, "the function asking unknown");
        let mut managed = rule(&deployed, roles().build());
        managed.source = Some(
            Source::builder()
                .owner(Owner::Aws)
                .source_identifier("IAM_ROLE_MANAGED_POLICY_CHECK")
                .build()
                .unwrap(),
        );
        assert_eq!(
            rule_judged(&managed).as_deref(),
            Some("the Config rule trustcheck was edited: it is no custom Lambda rule now (owner AWS)")
        );
        let mut deleting = rule(&deployed, roles().build());
        deleting.config_rule_state = Some(ConfigRuleState::Deleting);
        assert_eq!(
            rule_judged(&deleting).as_deref(),
            Some("the Config rule trustcheck is being deleted (DELETING)")
        );
    }

    #[test]
    fn roles_recorded_once_a_day_or_where_config_cant_record_them_are_not_recorded() {
        use aws_sdk_config::types::{RecordingMode, RecordingModeOverride, ResourceType};
        let roles = RecordingGroup::builder()
            .all_supported(true)
            .include_global_resource_types(true)
            .build();
        let with_mode = |mode: RecordingMode| {
            ConfigurationRecorder::builder()
                .name("default")
                .recording_group(roles.clone())
                .recording_mode(mode)
                .build()
        };
        let mode = |default: RecordingFrequency, role: Option<RecordingFrequency>| {
            let mut mode = RecordingMode::builder().recording_frequency(default);
            if let Some(frequency) = role {
                mode = mode.recording_mode_overrides(
                    RecordingModeOverride::builder()
                        .resource_types(ResourceType::from(ROLE_RESOURCE_TYPE))
                        .recording_frequency(frequency)
                        .build()
                        .unwrap(),
                );
            }
            mode.build().unwrap()
        };
        let daily = judged(&[with_mode(mode(RecordingFrequency::Daily, None))], |_| {
            Running::Recording
        });
        assert_eq!(
            daily,
            RoleRecording::NotRecorded {
                reason: "the configuration recorder default records AWS::IAM::Role daily: a change is heard up to a day late"
                    .into()
            }
        );
        let continuous_roles = mode(RecordingFrequency::Daily, Some(RecordingFrequency::Continuous));
        assert!(judged(&[with_mode(continuous_roles)], |_| Running::Recording).is_recorded());
        let daily_roles = mode(RecordingFrequency::Continuous, Some(RecordingFrequency::Daily));
        assert!(!judged(&[with_mode(daily_roles)], |_| Running::Recording).is_recorded());
        assert!(judged(&[with_mode(mode(RecordingFrequency::Continuous, None))], |_| {
            Running::Recording
        })
        .is_recorded());

        assert_eq!(
            unrecordable_region(Some("ap-southeast-4")),
            Some(RoleRecording::NotRecorded {
                reason: "AWS Config can't record IAM roles in ap-southeast-4, a Region it supports since February 2022: deploy the rule in a Region that records them".into()
            })
        );
        assert_eq!(unrecordable_region(Some("us-east-1")), None);
        assert_eq!(unrecordable_region(None), None);
    }
}
