//! Whether Config records IAM roles where the rule runs. Change events come only from a
//! recorder that is on and records `AWS::IAM::Role`: stopped, deleted or narrowed, no item is
//! recorded and no event sent, so the rule hears of a changed trust policy only at the next
//! sweep. Stopping the recorder is an attacker's known first step to hide a change (MITRE ATT&CK
//! T1562.001), and a recorder that leaves IAM out is a common deployment mistake: the sweep asks
//! each time and the stacks alarm on the answer.

use aws_sdk_config::types::{ConfigurationRecorder, RecordingFrequency, RecordingGroup, RecordingStrategyType};

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
    let is_on = |name: &str| {
        statuses
            .configuration_recorders_status()
            .iter()
            .any(|status| status.name() == Some(name) && status.recording())
    };
    Ok(judged(recorders.configuration_recorders(), is_on))
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

/// The recording of roles that `recorders` and their on/off state (`is_on`) give.
fn judged(recorders: &[ConfigurationRecorder], is_on: impl Fn(&str) -> bool) -> RoleRecording {
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
    if let Some((name, recorder)) = recording_roles.iter().find(|(name, _)| is_on(name)) {
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
    use aws_sdk_config::types::{ExclusionByResourceTypes, RecordingStrategy, ResourceType};

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
            judged(&[], |_| true),
            RoleRecording::NotRecorded {
                reason: "no configuration recorder in this region".into()
            }
        );
        assert_eq!(
            judged(&[recorder("default", roles.clone())], |_| true),
            RoleRecording::Recorded {
                recorder: "default".into()
            }
        );
        assert_eq!(
            judged(&[recorder("default", roles.clone())], |_| false),
            RoleRecording::NotRecorded {
                reason: "the configuration recorder default is stopped".into()
            }
        );
        assert_eq!(
            judged(&[recorder("default", no_iam.clone())], |_| true),
            RoleRecording::NotRecorded {
                reason: "the configuration recorder default leaves AWS::IAM::Role out of its recording group".into()
            }
        );
        // Another recorder that is on doesn't record roles for the one that is off.
        let both = [recorder("iam", roles.clone()), recorder("other", no_iam)];
        assert!(!judged(&both, |name| name == "other").is_recorded());
        assert!(judged(&both, |name| name == "iam").is_recorded());
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
        let daily = judged(&[with_mode(mode(RecordingFrequency::Daily, None))], |_| true);
        assert_eq!(
            daily,
            RoleRecording::NotRecorded {
                reason: "the configuration recorder default records AWS::IAM::Role daily: a change is heard up to a day late"
                    .into()
            }
        );
        let continuous_roles = mode(RecordingFrequency::Daily, Some(RecordingFrequency::Continuous));
        assert!(judged(&[with_mode(continuous_roles)], |_| true).is_recorded());
        let daily_roles = mode(RecordingFrequency::Continuous, Some(RecordingFrequency::Daily));
        assert!(!judged(&[with_mode(daily_roles)], |_| true).is_recorded());
        assert!(judged(&[with_mode(mode(RecordingFrequency::Continuous, None))], |_| true).is_recorded());

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
