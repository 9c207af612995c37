//! The local AWS endpoint for tests: moto in server mode with `tests/moto_ext.py`, started on a
//! free loopback port and stopped when the [`Moto`] is dropped (also when a test fails).

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    thread::sleep,
    time::{Duration, Instant},
};

use serde_json::{json, Value};

pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "us-east-1";
const START_TIMEOUT: Duration = Duration::from_secs(30);

pub struct Moto {
    child: Child,
    pub endpoint: String,
}

/// The repository root: the folder that holds `tests/moto_ext.py`.
pub fn repo_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .find(|p| p.join("tests/moto_ext.py").is_file())
        .expect("tests/moto_ext.py above the test-support crate")
        .to_path_buf()
}

impl Moto {
    /// Starts a fresh endpoint. Panics (failing the test) with the server's log if it doesn't come up.
    pub fn start() -> Moto {
        let root = repo_root();
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        let log_dir = root.join("target/moto-logs");
        std::fs::create_dir_all(&log_dir).expect("target/moto-logs is writable");
        let log_path = log_dir.join(format!("moto-{port}.log"));
        let log = std::fs::File::create(&log_path).expect("moto log file");
        let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
        let child = Command::new(python)
            .arg(root.join("tests/moto_ext.py"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .expect("python3 runs tests/moto_ext.py (make python-deps installs moto)");
        let mut moto = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let started = Instant::now();
        loop {
            if ureq::get(&format!("{}/moto-api/", moto.endpoint)).call().is_ok() {
                return moto;
            }
            if let Ok(Some(status)) = moto.child.try_wait() {
                panic!(
                    "moto exited ({status}): {}",
                    std::fs::read_to_string(&log_path).unwrap_or_default()
                );
            }
            if started.elapsed() > START_TIMEOUT {
                panic!(
                    "moto did not answer within {START_TIMEOUT:?}: {}",
                    std::fs::read_to_string(&log_path).unwrap_or_default()
                );
            }
            sleep(Duration::from_millis(100));
        }
    }

    fn control(&self, method: &str, route: &str, body: Option<Value>) -> Value {
        let url = format!("{}/_trustcheck/{route}", self.endpoint);
        let response = match (method, body) {
            ("POST", Some(body)) => ureq::post(&url).send_json(body),
            ("DELETE", _) => ureq::delete(&url).call(),
            _ => ureq::get(&url).call(),
        };
        response
            .unwrap_or_else(|e| panic!("{method} {url}: {e}"))
            .body_mut()
            .read_json()
            .unwrap_or_else(|e| panic!("{method} {url}: {e}"))
    }

    /// Creates `roles` roles and `functions` functions (function i uses role i) in bulk.
    pub fn seed(&self, roles: usize, functions: usize, prefix: &str) -> Value {
        self.control(
            "POST",
            "seed",
            Some(json!({"roles": roles, "functions": functions, "prefix": prefix})),
        )
    }

    /// Queues faults for the next calls of `operation` (`throttle`, `500`, `failed:N`, `ok`).
    pub fn inject(&self, operation: &str, faults: &[&str]) {
        self.control(
            "POST",
            "faults",
            Some(json!({"operation": operation, "faults": faults})),
        );
    }

    /// API calls made so far, by `service.Operation`.
    pub fn calls(&self) -> Value {
        self.control("GET", "calls", None)["calls"].clone()
    }

    pub fn reset_calls(&self) {
        self.control("DELETE", "calls", None);
    }

    /// SDK configuration for this endpoint: dummy credentials, quick retries.
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(&self.endpoint)
            .region(aws_config::Region::new(REGION))
            .credentials_provider(aws_sdk_config::config::Credentials::new(
                "testing", "testing", None, None, "moto",
            ))
            .retry_config(
                aws_config::retry::RetryConfig::standard()
                    .with_max_attempts(4)
                    .with_initial_backoff(Duration::from_millis(5))
                    .with_max_backoff(Duration::from_millis(50)),
            )
            .load()
            .await
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
