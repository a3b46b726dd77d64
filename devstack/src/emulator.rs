//! Starts the moto server from the project's virtualenv on a free loopback port.

use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_config::{Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;

/// moto's server with one lock around DynamoDB requests, so conditional writes and transactions
/// are atomic across request threads as on DynamoDB (docs/decisions/0002).
const MOTO_SERVER: &str = include_str!("../moto_server.py");

/// Where `make .venv` installs the emulator, unless `MARKETDESK_VENV` says otherwise.
pub fn default_venv() -> PathBuf {
    std::env::var_os("MARKETDESK_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv"))
}

#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error(
        "the AWS emulator is not installed: {0} is missing. Run `make .venv` (or `make test`) in \
         the repository root to create the virtualenv with moto"
    )]
    NotInstalled(PathBuf),
    #[error("could not start the AWS emulator: {0}")]
    Spawn(#[from] std::io::Error),
    #[error("the AWS emulator did not answer on {0} within {1:?}")]
    NotReady(SocketAddr, Duration),
}

/// A running moto server. It stops when this value is dropped, and also when the process that
/// started it exits for any reason: it is started behind a shell that waits for its standard
/// input to close (the pipe closes when our process dies, even by SIGKILL).
#[derive(Debug)]
pub struct Emulator {
    addr: SocketAddr,
    child: Child,
}

impl Emulator {
    pub fn start() -> Result<Emulator, EmulatorError> {
        Self::start_with(&default_venv(), 0)
    }

    /// Starts moto from `venv` on `port` (0: a free one).
    pub fn start_with(venv: &Path, port: u16) -> Result<Emulator, EmulatorError> {
        let server = venv.join("bin/moto_server");
        if !server.exists() {
            return Err(EmulatorError::NotInstalled(server));
        }
        let port = if port == 0 { free_port()? } else { port };
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let child = Command::new("sh")
            .arg("-c")
            .arg(r#""$0" -c "$1" 127.0.0.1 "$2" >/dev/null 2>&1 & pid=$!; cat >/dev/null; kill "$pid""#)
            .arg(venv.join("bin/python"))
            .arg(MOTO_SERVER)
            .arg(port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let emulator = Emulator { addr, child };
        emulator.wait_ready(Duration::from_secs(30))?;
        Ok(emulator)
    }

    fn wait_ready(&self, limit: Duration) -> Result<(), EmulatorError> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Ok(mut stream) =
                TcpStream::connect_timeout(&self.addr, Duration::from_millis(200))
            {
                use std::io::Write;
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                let request = "GET /moto-api/ HTTP/1.0\r\nHost: localhost\r\n\r\n";
                if stream.write_all(request.as_bytes()).is_ok() {
                    let mut head = [0u8; 12];
                    if stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.") {
                        return Ok(());
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(EmulatorError::NotReady(self.addr, limit))
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Makes `percent` % of DynamoDB writes fail with `ProvisionedThroughputExceededException`
    /// (nothing written), drawn from `seed`; 0 stops it. Returns how many were throttled so far
    /// and the requests served, by operation.
    pub async fn set_write_throttle(
        &self,
        percent: f64,
        seed: u64,
    ) -> Result<(u64, serde_json::Value), String> {
        let answer: serde_json::Value = reqwest::Client::new()
            .post(format!("{}/_marketdesk/chaos", self.endpoint()))
            .json(&serde_json::json!({"write_throttle_percent": percent, "seed": seed}))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| format!("emulator chaos control: {e}"))?
            .json()
            .await
            .map_err(|e| format!("emulator chaos control: {e}"))?;
        Ok((
            answer["throttled"].as_u64().unwrap_or_default(),
            answer["requests"].clone(),
        ))
    }

    /// Every mail the emulator's SES accepted, raw.
    pub async fn sent_mail(&self) -> Result<Vec<String>, String> {
        let answer: serde_json::Value = reqwest::Client::new()
            .get(format!("{}/_marketdesk/ses/sent", self.endpoint()))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| format!("emulator SES outbox: {e}"))?
            .json()
            .await
            .map_err(|e| format!("emulator SES outbox: {e}"))?;
        Ok(answer["sent"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|m| m.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// AWS configuration for clients of this emulator (fixed test credentials and region).
    pub async fn sdk_config(&self) -> SdkConfig {
        sdk_config_for(&self.endpoint()).await
    }
}

/// The project's one AWS configuration, pointed at a local endpoint.
pub async fn sdk_config_for(endpoint: &str) -> SdkConfig {
    marketdesk::adapters::aws::config_loader()
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "testing",
            "testing",
            None,
            None,
            "marketdesk-devstack",
        ))
        .load()
        .await
}

impl Drop for Emulator {
    fn drop(&mut self) {
        // Closing stdin makes the wrapper shell stop moto; then reap the shell.
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}
