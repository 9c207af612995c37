//! The functions' log subscriber: Lambda's advanced logging controls, for our own crates only.
//!
//! At DEBUG and TRACE the Lambda runtime logs every invocation's body (Config's event, trust
//! policy and result token included) and the SDK logs every response body it doesn't mark
//! sensitive (`ListRoles` pages of trust policies). Raising a function's log level to look into a
//! problem must not put policy documents in its logs, so the level it sets applies to trustcheck's
//! crates, and everything else stays at INFO (or quieter, when the level asked for is).

use std::str::FromStr;

use tracing_subscriber::filter::{EnvFilter, LevelFilter};

/// The crates whose log lines follow the level asked for: ours, which never log a policy.
const OWN_CRATES: [&str; 5] = ["evaluator", "notifier", "pager", "trustcheck_aws", "trustcheck"];

/// Sets the global subscriber from `AWS_LAMBDA_LOG_LEVEL` (or `RUST_LOG`, as a level only) and
/// `AWS_LAMBDA_LOG_FORMAT` (`JSON` for JSON lines). Call once, first thing in `main`.
pub fn init_logging() {
    let asked = std::env::var("AWS_LAMBDA_LOG_LEVEL").or_else(|_| std::env::var("RUST_LOG"));
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|format| format.eq_ignore_ascii_case("json"));
    let collector = tracing_subscriber::fmt()
        .with_target(false)
        .without_time()
        .with_env_filter(filter(asked.ok().as_deref()));
    if json {
        collector.json().init();
    } else {
        collector.init();
    }
}

/// `asked` for our crates, at most INFO for the rest. A value that names no level (`FATAL`, a
/// `RUST_LOG` of directives) counts as INFO, as the runtime's own subscriber takes it.
fn filter(asked: Option<&str>) -> EnvFilter {
    let ours = asked
        .and_then(|level| LevelFilter::from_str(level).ok())
        .unwrap_or(LevelFilter::INFO);
    let others = ours.min(LevelFilter::INFO);
    let mut filter = EnvFilter::default().add_directive(others.into());
    for own in OWN_CRATES {
        if let Ok(directive) = format!("{own}={ours}").parse() {
            filter = filter.add_directive(directive);
        }
    }
    filter
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// What a subscriber with `filter(asked)` writes for a line of each kind.
    fn written(asked: Option<&str>) -> String {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&lines);
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(filter(asked))
            .with_writer(move || Sink(Arc::clone(&sink)))
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::trace!(target: "lambda_runtime::layers::api_response", "RUNTIME EVENT BODY");
            tracing::debug!(target: "aws_smithy_runtime::client::orchestrator::http", "SDK RESPONSE BODY");
            tracing::info!(target: "aws_config::profile", "SDK INFO");
            tracing::warn!(target: "aws_smithy_runtime::client::retries", "SDK WARNING");
            tracing::trace!(target: "evaluator::sweep", "OUR TRACE");
            tracing::debug!(target: "trustcheck_aws::functions", "OUR DEBUG");
            tracing::info!(target: "pager", "OUR INFO");
            tracing::error!(target: "notifier", "OUR ERROR");
        });
        let bytes = lines.lock().map(|l| l.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if let Ok(mut lines) = self.0.lock() {
                lines.extend_from_slice(buf);
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn shown(output: &str) -> Vec<&'static str> {
        [
            "RUNTIME EVENT BODY",
            "SDK RESPONSE BODY",
            "SDK INFO",
            "SDK WARNING",
            "OUR TRACE",
            "OUR DEBUG",
            "OUR INFO",
            "OUR ERROR",
        ]
        .into_iter()
        .filter(|line| output.contains(line))
        .collect()
    }

    #[test]
    fn trace_and_debug_reach_our_lines_never_the_runtime_s_or_sdk_s_bodies() {
        for level in ["TRACE", "trace", "DEBUG"] {
            let output = written(Some(level));
            assert!(!output.contains("BODY"), "{level}: {output}");
            assert!(shown(&output).contains(&"OUR DEBUG"), "{level}: {output}");
            assert!(shown(&output).contains(&"SDK WARNING"), "{level}: {output}");
        }
        assert!(shown(&written(Some("TRACE"))).contains(&"OUR TRACE"));
        assert!(!shown(&written(Some("DEBUG"))).contains(&"OUR TRACE"));
    }

    #[test]
    fn info_by_default_and_for_what_names_no_level() {
        let expected = vec!["SDK INFO", "SDK WARNING", "OUR INFO", "OUR ERROR"];
        for asked in [None, Some("INFO"), Some("FATAL"), Some("aws_smithy_runtime=trace")] {
            assert_eq!(shown(&written(asked)), expected, "{asked:?}");
        }
    }

    #[test]
    fn a_quieter_level_quiets_everyone() {
        assert_eq!(shown(&written(Some("WARN"))), vec!["SDK WARNING", "OUR ERROR"]);
        assert_eq!(shown(&written(Some("ERROR"))), vec!["OUR ERROR"]);
    }
}
