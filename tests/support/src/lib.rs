//! The local AWS endpoint for tests: moto in server mode with `tests/moto_ext.py`, started on a
//! free loopback port (forked by `tests/moto_pool.py`) and stopped when the [`Moto`] is dropped
//! (also when a test fails).

use std::{
    io::{BufRead, BufReader, Write},
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, ChildStdin, ChildStdout, Command, Stdio},
    sync::Mutex,
    thread::sleep,
    time::{Duration, Instant},
};

use serde_json::{json, Value};

pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "us-east-1";
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// RFC 3986 percent-encoding, as IAM and Config deliver trust policies.
pub fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The repository root: the folder that holds `tests/moto_ext.py`.
pub fn repo_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .find(|p| p.join("tests/moto_ext.py").is_file())
        .expect("tests/moto_ext.py above the test-support crate")
        .to_path_buf()
}

/// A Python test server on a free loopback port, stopped on drop.
struct PythonServer {
    process: Process,
    endpoint: String,
}

/// How a server runs, and so how it is stopped.
enum Process {
    /// An interpreter of its own (the fake PagerDuty: quick to start).
    Spawned(Child),
    /// Forked by the moto pool, which stops it.
    Forked(u32),
}

/// A free loopback port and the log file of the server that will listen on it.
fn port_and_log(stem: &str) -> (u16, PathBuf) {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port();
    let log_dir = repo_root().join("target/test-servers");
    std::fs::create_dir_all(&log_dir).expect("target/test-servers is writable");
    (port, log_dir.join(format!("{stem}-{port}.log")))
}

/// The interpreter with moto: PYTHON (make sets it), else the venv `make python-deps` fills,
/// else python3.
fn python() -> PathBuf {
    let venv = repo_root().join(".venv-test/bin/python");
    std::env::var_os("PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| if venv.exists() { venv } else { "python3".into() })
}

impl PythonServer {
    /// Starts `script` with `args(port)` in an interpreter of its own.
    fn spawn(script: &str, args: impl Fn(u16) -> Vec<String>, ready_path: &str) -> PythonServer {
        let stem = Path::new(script)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("server");
        let (port, log_path) = port_and_log(stem);
        let log = std::fs::File::create(&log_path).expect("server log file");
        let child = Command::new(python())
            .arg(repo_root().join(script))
            .args(args(port))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("python {script}: {e} (make python-deps installs moto into .venv-test)"));
        PythonServer {
            process: Process::Spawned(child),
            endpoint: format!("http://127.0.0.1:{port}"),
        }
        .ready(script, &log_path, ready_path)
    }

    /// A moto server with `tests/moto_ext.py`, forked by the pool.
    fn forked_moto() -> PythonServer {
        let (port, log_path) = port_and_log("moto_ext");
        let pid = MotoPool::ask(&format!("start {port} {}", log_path.display())).unwrap_or_else(|e| panic!("{e}"));
        let pid = pid
            .parse()
            .unwrap_or_else(|_| panic!("the moto pool answered {pid:?} to start"));
        PythonServer {
            process: Process::Forked(pid),
            endpoint: format!("http://127.0.0.1:{port}"),
        }
        .ready("tests/moto_ext.py", &log_path, "/moto-api/")
    }

    /// Waits until `GET ready_path` answers. Panics (failing the test) with the server's log
    /// when it exits or doesn't come up.
    fn ready(mut self, script: &str, log_path: &Path, ready_path: &str) -> PythonServer {
        let started = Instant::now();
        loop {
            if ureq::get(&format!("{}{ready_path}", self.endpoint)).call().is_ok() {
                return self;
            }
            let log = || std::fs::read_to_string(log_path).unwrap_or_default();
            if let Some(status) = self.exited() {
                panic!("{script} exited ({status}): {}", log());
            }
            if started.elapsed() > START_TIMEOUT {
                panic!("{script} did not answer within {START_TIMEOUT:?}: {}", log());
            }
            sleep(Duration::from_millis(20));
        }
    }

    /// How the server ended, when it did.
    fn exited(&mut self) -> Option<String> {
        match &mut self.process {
            Process::Spawned(child) => child.try_wait().ok().flatten().map(|status| status.to_string()),
            Process::Forked(pid) => match MotoPool::ask(&format!("alive {pid}")) {
                Ok(yes) if yes == "yes" => None,
                Ok(ended) | Err(ended) => Some(ended),
            },
        }
    }
}

impl Drop for PythonServer {
    fn drop(&mut self) {
        match &mut self.process {
            Process::Spawned(child) => {
                let _ = child.kill();
                let _ = child.wait();
            }
            // Never a panic here (a second one, while a failing test unwinds, would abort every
            // test of the binary): a pool that can't answer has stopped its servers already.
            Process::Forked(pid) => {
                let _ = MotoPool::ask_running(&format!("stop {pid}"));
            }
        }
    }
}

/// `tests/moto_pool.py`: one interpreter per test binary that imports moto once and forks a
/// server per [`Moto::start`], which then answers in a tenth of a second instead of a second and
/// a half (a hundred servers in `make unit`). It ends, with its servers, when this process does
/// (its stdin closes).
struct MotoPool {
    _process: Child,
    requests: ChildStdin,
    answers: BufReader<ChildStdout>,
}

static MOTO_POOL: Mutex<Option<MotoPool>> = Mutex::new(None);

impl MotoPool {
    fn start() -> MotoPool {
        let (_, log_path) = port_and_log(&format!("moto_pool-{}", std::process::id()));
        let log = std::fs::File::create(&log_path).expect("moto pool log file");
        let mut process = Command::new(python())
            .arg(repo_root().join("tests/moto_pool.py"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("python tests/moto_pool.py: {e} (make python-deps installs moto into .venv-test)")
            });
        let requests = process.stdin.take().expect("the pool's stdin is piped");
        let answers = BufReader::new(process.stdout.take().expect("the pool's stdout is piped"));
        MotoPool {
            _process: process,
            requests,
            answers,
        }
    }

    /// Sends one request line and returns the answer line; starts the pool on first use. A pool
    /// that stopped answering is let go (its stdin closes: it ends with its servers) and the
    /// next request starts another.
    fn ask(request: &str) -> Result<String, String> {
        Self::asked(request, true)
    }

    /// [`MotoPool::ask`] of the pool running now, if any: never starts one (nor panics).
    fn ask_running(request: &str) -> Result<String, String> {
        Self::asked(request, false)
    }

    fn asked(request: &str, start: bool) -> Result<String, String> {
        // A test that panicked while holding the lock left the pool as it was: still usable.
        let mut slot = MOTO_POOL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if slot.is_none() && !start {
            return Err("no moto pool is running".to_owned());
        }
        let pool = slot.get_or_insert_with(MotoPool::start);
        let mut answer = String::new();
        let asked = writeln!(pool.requests, "{request}")
            .and_then(|()| pool.requests.flush())
            .and_then(|()| pool.answers.read_line(&mut answer));
        match asked {
            Ok(n) if n > 0 => Ok(answer.trim_end().to_string()),
            failed => {
                *slot = None;
                Err(format!(
                    "the moto pool stopped answering ({failed:?}): see target/test-servers/moto_pool-{}-*.log",
                    std::process::id()
                ))
            }
        }
    }
}

fn request(method: &str, url: &str, body: Option<Value>) -> Value {
    let response = match (method, body) {
        ("POST", Some(body)) => ureq::post(url).send_json(body),
        ("DELETE", _) => ureq::delete(url).call(),
        _ => ureq::get(url).call(),
    };
    response
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"))
        .body_mut()
        .read_json()
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"))
}

/// The local AWS endpoint: moto with `tests/moto_ext.py`.
pub struct Moto {
    server: PythonServer,
    pub endpoint: String,
}

impl Moto {
    pub fn start() -> Moto {
        let server = PythonServer::forked_moto();
        Moto {
            endpoint: server.endpoint.clone(),
            server,
        }
    }

    fn control(&self, method: &str, route: &str, body: Option<Value>) -> Value {
        request(method, &format!("{}/_trustcheck/{route}", self.server.endpoint), body)
    }

    /// Creates `roles` roles and `functions` functions (function i uses role i) in bulk.
    pub fn seed(&self, roles: usize, functions: usize, prefix: &str) -> Value {
        self.control(
            "POST",
            "seed",
            Some(json!({"roles": roles, "functions": functions, "prefix": prefix})),
        )
    }

    /// Like [`seed`](Self::seed), in `account` and `region`.
    pub fn seed_in(&self, account: &str, region: &str, roles: usize, functions: usize, prefix: &str) -> Value {
        self.control(
            "POST",
            "seed",
            Some(
                json!({"roles": roles, "functions": functions, "prefix": prefix, "account": account, "region": region}),
            ),
        )
    }

    /// Queues faults for the next calls of `operation` (`throttle`, `500`, `failed:N`, `empty`,
    /// `ok`); `"service.Operation@region"` faults only the calls signed for that region.
    pub fn inject(&self, operation: &str, faults: &[&str]) {
        self.control(
            "POST",
            "faults",
            Some(json!({"operation": operation, "faults": faults})),
        );
    }

    /// Drops every fault still queued.
    pub fn clear_faults(&self) {
        self.control("DELETE", "faults", None);
    }

    /// Makes a Lambda event source mapping report what `fields` say (`state`,
    /// `stateTransitionReason`, `lastProcessingResult`), as Lambda does for a broken one.
    pub fn set_mapping(&self, uuid: &str, fields: Value) {
        let mut body = fields;
        body["uuid"] = uuid.into();
        self.control("POST", "mappings", Some(body));
    }

    /// Makes the sources of config aggregator `aggregator` in `region` report `status` (`FAILED`,
    /// `OUTDATED`, `SUCCEEDED`); a source not up to date leaves its rows out of the aggregator's
    /// answers.
    pub fn set_aggregator_source(&self, aggregator: &str, region: &str, status: &str) {
        self.control(
            "POST",
            "aggregator-sources",
            Some(json!({"aggregator": aggregator, "region": region, "status": status})),
        );
    }

    /// API calls made so far, by `service.Operation`.
    pub fn calls(&self) -> Value {
        self.control("GET", "calls", None)["calls"].clone()
    }

    pub fn reset_calls(&self) {
        self.control("DELETE", "calls", None);
    }

    /// Every evaluation written for `rule`, in the order received, with `stored: false` for
    /// those Config would ignore (an older `OrderingTimestamp` than the result it holds).
    pub fn evaluation_log(&self, rule: &str) -> Vec<Value> {
        let log = self.control("GET", &format!("evaluations?rule={rule}"), None);
        log["evaluations"].as_array().cloned().unwrap_or_default()
    }

    /// Asynchronous `lambda:Invoke` calls received so far: `{function, qualifier, payload}`.
    pub fn async_invocations(&self) -> Vec<Value> {
        let log = self.control("GET", "invocations", None);
        log["invocations"].as_array().cloned().unwrap_or_default()
    }

    /// The payloads of the asynchronous invocations of `function` received so far: for the
    /// notifier, the evaluator's notices.
    pub fn notices(&self, function: &str) -> Vec<Value> {
        self.async_invocations()
            .into_iter()
            .filter(|i| i["function"] == function)
            .map(|i| i["payload"].clone())
            .collect()
    }

    pub fn clear_invocations(&self) {
        self.control("DELETE", "invocations", None);
    }

    /// A call to a JSON-protocol API the tests have no SDK client for (Kinesis): `target` is the
    /// `X-Amz-Target` (`Kinesis_20131202.CreateStream`). moto reads the region from the credential
    /// scope and checks no signature.
    pub fn aws_json(&self, target: &str, service: &str, body: Value) -> Value {
        let authorization = format!(
            "AWS4-HMAC-SHA256 Credential=testing/20260101/{REGION}/{service}/aws4_request, SignedHeaders=host, Signature=0"
        );
        let mut response = ureq::post(&self.endpoint)
            .header("X-Amz-Target", target)
            .header("Content-Type", "application/x-amz-json-1.1")
            .header("Authorization", &authorization)
            .send_json(&body)
            .unwrap_or_else(|e| panic!("{target}: {e}"));
        let text = response
            .body_mut()
            .read_to_string()
            .unwrap_or_else(|e| panic!("{target}: {e}"));
        if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{target}: {e}: {text}"))
        }
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

/// A fake PagerDuty (`tests/fake_pagerduty.py`) with the Events API v2 dedup rules.
pub struct FakePagerDuty {
    server: PythonServer,
    /// Base URL; the Events API is at `{endpoint}/v2/enqueue`.
    pub endpoint: String,
}

impl FakePagerDuty {
    pub fn start() -> FakePagerDuty {
        let server = PythonServer::spawn(
            "tests/fake_pagerduty.py",
            |port| vec!["--port".into(), port.to_string()],
            "/_fake/incidents",
        );
        FakePagerDuty {
            endpoint: server.endpoint.clone(),
            server,
        }
    }

    pub fn events_url(&self) -> String {
        format!("{}/v2/enqueue", self.server.endpoint)
    }

    /// The next HTTP statuses `/v2/enqueue` answers with (`[429, 202]`).
    pub fn script(&self, statuses: &[u16]) {
        request(
            "POST",
            &format!("{}/_fake/script", self.server.endpoint),
            Some(json!({"statuses": statuses})),
        );
    }

    /// PagerDuty's rate limit per routing key, and the only routing keys it accepts.
    pub fn limits(&self, per_minute: u32, valid_keys: &[&str]) {
        request(
            "POST",
            &format!("{}/_fake/limits", self.endpoint),
            Some(json!({"per_minute": per_minute, "valid_keys": valid_keys})),
        );
    }

    pub fn incidents(&self) -> Vec<Value> {
        let all = request("GET", &format!("{}/_fake/incidents", self.server.endpoint), None);
        all["incidents"].as_array().cloned().unwrap_or_default()
    }

    pub fn events(&self) -> Vec<Value> {
        let all = request("GET", &format!("{}/_fake/events", self.server.endpoint), None);
        all["events"].as_array().cloned().unwrap_or_default()
    }
}

/// The alerts ledger's table, as the stacks define it (key `dedup_key`). Returns its name.
pub async fn create_alerts_table(sdk: &aws_config::SdkConfig, name: &str) -> String {
    use aws_sdk_dynamodb::types::{AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType};
    aws_sdk_dynamodb::Client::new(sdk)
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("dedup_key")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("attribute definition"),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("dedup_key")
                .key_type(KeyType::Hash)
                .build()
                .expect("key schema"),
        )
        .send()
        .await
        .expect("moto creates the table");
    name.to_owned()
}

/// Every message waiting in an SQS queue (as JSON), deleted as it is read.
pub async fn drain(sqs: &aws_sdk_sqs::Client, queue_url: &str) -> Vec<Value> {
    let mut messages = Vec::new();
    loop {
        let out = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .send()
            .await
            .expect("ReceiveMessage");
        if out.messages().is_empty() {
            return messages;
        }
        for m in out.messages() {
            messages.push(serde_json::from_str(m.body().unwrap_or_default()).expect("a JSON message"));
            sqs.delete_message()
                .queue_url(queue_url)
                .receipt_handle(m.receipt_handle().unwrap_or_default())
                .send()
                .await
                .expect("DeleteMessage");
        }
    }
}

/// Stores (or rotates) the pager's routing key as the stacks do: an SSM SecureString.
pub async fn put_routing_key(sdk: &aws_config::SdkConfig, parameter: &str, key: &str) {
    aws_sdk_ssm::Client::new(sdk)
        .put_parameter()
        .name(parameter)
        .value(key)
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .overwrite(true)
        .send()
        .await
        .expect("moto stores the parameter");
}
