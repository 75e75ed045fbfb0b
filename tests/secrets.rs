//! The API key goes to the configured host and nowhere else: a redirect to another host
//! arrives there without it, plain `http://` is refused off loopback unless the user opts
//! in, and a netrc that other users can read draws a warning.

use crate::support;

use std::net::TcpListener;
use std::process::Output;

use fake_wandb::*;
use support::disk;
use support::*;

const PROJECT: &str = "fake-project";
const ENTITY: &str = "fake-entity";
const KEY: &str = "mdlfetch-SECRET-secrets-key-0123456789abcdef";

fn config() -> FakeConfig {
    FakeConfig {
        page_cap: 10,
        api_key: KEY.into(),
        ..FakeConfig::with_dataset(Dataset::sweep(SweepOptions {
            runs: 30,
            ..SweepOptions::default()
        }))
    }
}

fn fetch(work: &Workdir, base_url: &str, env: &[(&str, &str)]) -> Output {
    let mut command = work.command();
    command
        .env("WANDB_BASE_URL", base_url)
        .env("WANDB_API_KEY", KEY)
        .env("MDL_FETCH_BACKOFF_BASE_MS", "10")
        .args(["--project", PROJECT, "--entity", ENTITY, "-q", "-vv"])
        .args(["--timeout", "5", "--max-attempts", "2"]);
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().unwrap()
}

fn error_line(output: &Output) -> String {
    let err = stderr(output);
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(errors.len(), 1, "one error line: {err}");
    errors[0].to_string()
}

#[test]
fn a_redirect_to_another_host_arrives_there_without_the_key() {
    for status in [307, 308] {
        // The other host: 127.0.0.2 on the same port when it is free, so only the host differs.
        let here = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = here.local_addr().unwrap().port();
        let there = TcpListener::bind(("127.0.0.2", port))
            .or_else(|_| TcpListener::bind("127.0.0.2:0"))
            .expect("127.0.0.2 is loopback on Linux");
        let other = FakeWandb::serve(there, config());
        let location = format!("{}/graphql", other.base_url());
        let mut first = config();
        first.faults = vec![FaultRule::always(Fault::Redirect {
            status,
            location: location.clone(),
        })];
        let server = FakeWandb::serve(here, first);

        let work = Workdir::new();
        let output = fetch(&work, &server.base_url(), &[]);
        let line = error_line(&output);
        assert_eq!(output.status.code(), Some(6), "{status}: {}", stderr(&output));
        let other_host = other.base_url().trim_start_matches("http://").to_string();
        assert!(
            line.contains(&format!("redirected to {other_host}, which answered HTTP 401"))
                && line.contains("the API key is sent only to 127.0.0.1:"),
            "{status}: {line}"
        );

        let asked = server.requests();
        assert!(!asked.is_empty());
        assert!(
            asked.iter().all(|r| r.header("authorization").is_some()),
            "the configured host gets the key"
        );
        let redirected = other.requests();
        assert!(!redirected.is_empty(), "{status}: the redirect was followed");
        for request in &redirected {
            assert_eq!(request.method, "POST", "{status} keeps the method");
            assert_eq!(request.path, "/graphql");
            assert_eq!(
                request.header("authorization"),
                None,
                "{status}: the key went to {other_host}"
            );
            assert!(!request.authorized);
        }
        let leaks = disk::leaks(
            redirected
                .iter()
                .map(|r| (format!("request {} to {other_host}", r.seq), &r.body[..])),
            &[KEY, "SECRET"],
        );
        assert!(leaks.is_empty(), "{leaks:?}");
        assert!(disk::leaks([("stderr".to_string(), &output.stderr[..])], &[KEY]).is_empty());
    }
}

#[test]
fn a_netrc_other_users_can_read_gets_a_warning() {
    let server = FakeWandb::start(config());
    let machine = server.base_url().trim_start_matches("http://").to_string();
    for (mode, warned) in [
        (0o644, true),
        (0o640, true),
        (0o604, true),
        (0o600, false),
        (0o400, false),
    ] {
        let work = Workdir::new();
        let text = format!("machine {machine}\n  login user\n  password {KEY}\n");
        let output = netrc_fetch(&work, &server, &text, mode);
        let netrc = work.join("netrc");
        let err = stderr(&output);
        assert!(output.status.success(), "{mode:o}: {err}");
        let warning = format!(
            "warning: {} can be read by other users; run `chmod 600 {}`",
            netrc.display(),
            netrc.display()
        );
        assert_eq!(err.contains(&warning), warned, "{mode:o}: {err}");
        assert!(!err.contains(KEY));
    }
}

#[test]
fn plain_http_is_refused_off_loopback_unless_the_user_opts_in() {
    let server = FakeWandb::start(config());
    let port = server.addr().port();
    let work = Workdir::new();

    for base in [
        "http://wandb.example.org".to_string(),
        "http://10.1.2.3:8080".to_string(),
        format!("http://0.0.0.0:{port}"),
        format!("http://localhost.example.org:{port}"),
    ] {
        for opt_in in [None, Some("0"), Some("yes")] {
            let env: Vec<(&str, &str)> = opt_in.map(|v| ("MDL_FETCH_ALLOW_HTTP", v)).into_iter().collect();
            let output = fetch(&work, &base, &env);
            assert_eq!(
                output.status.code(),
                Some(2),
                "{base} {opt_in:?}: {}",
                stderr(&output)
            );
            let host = base.trim_start_matches("http://");
            assert_eq!(
                error_line(&output),
                format!("error: refusing to send the API key over plain http to {host}; use https, or set MDL_FETCH_ALLOW_HTTP=1 if you trust the network"),
            );
        }
    }
    let ftp = fetch(&work, "ftp://wandb.example.org", &[]);
    assert_eq!(ftp.status.code(), Some(2), "{}", stderr(&ftp));

    // Loopback needs no opt-in, by address or by name.
    for base in [
        format!("http://127.0.0.1:{port}"),
        format!("http://localhost:{port}"),
    ] {
        let output = fetch(&work, &base, &[]);
        assert!(output.status.success(), "{base}: {}", stderr(&output));
    }
    // An address that is not loopback (0.0.0.0 reaches this host on Linux) with the opt-in.
    if std::net::TcpStream::connect(("0.0.0.0", port)).is_ok() {
        let before = server.requests().len();
        let base = format!("http://0.0.0.0:{port}");
        let output = fetch(&work, &base, &[("MDL_FETCH_ALLOW_HTTP", "1")]);
        assert!(output.status.success(), "{base}: {}", stderr(&output));
        assert!(server.requests().len() > before);
    }
    assert!(disk::leaks(
        disk::contents(work.path())
            .iter()
            .map(|(n, b)| (n.clone(), &b[..])),
        &[KEY, "SECRET"]
    )
    .is_empty());
}

#[test]
fn a_base_url_with_a_user_or_password_is_refused_and_never_shown() {
    let server = FakeWandb::start(config());
    let port = server.addr().port();
    let work = Workdir::new();
    for base in [
        format!("http://alice:pw-SECRET@127.0.0.1:{port}/"),
        format!("http://pw-SECRET@127.0.0.1:{port}"),
        "https://alice:pw-SECRET@".to_string(),
    ] {
        let output = fetch(&work, &base, &[]);
        assert_eq!(output.status.code(), Some(2), "{base}: {}", stderr(&output));
        let line = error_line(&output);
        assert!(line.contains("***@"), "{line}");
        assert!(!line.contains("SECRET") && !line.contains("alice"), "{line}");
        assert!(disk::leaks([("stderr".to_string(), &output.stderr[..])], &["pw-SECRET", KEY]).is_empty());
    }
    assert!(
        server.requests().is_empty(),
        "nothing is sent with a refused base URL"
    );
}

#[test]
fn a_netrc_whose_values_look_like_keywords_is_read_by_its_grammar() {
    let server = FakeWandb::start(config());
    let machine = server.base_url().trim_start_matches("http://").to_string();
    for text in [
        format!("machine {machine} login password password {KEY}\n"),
        format!("machine {machine} login machine password {KEY}\n"),
        format!("# machine {machine} password wrong\nmacdef init\nmachine {machine} password wrong\n\nmachine \"{machine}\" login \"a user\" password \"{KEY}\"\n"),
    ] {
        let work = Workdir::new();
        let output = netrc_fetch(&work, &server, &text, 0o600);
        assert!(output.status.success(), "{text}: {}", stderr(&output));
    }
}

/// A server that answers every request with HTTP 200 and a runs page that would parse,
/// and no key required: what a redirect to a stranger could return.
fn stranger_answering_200() -> (String, std::thread::JoinHandle<()>) {
    use std::io::{Read, Write};
    let listener = TcpListener::bind("127.0.0.2:0").expect("127.0.0.2 is loopback on Linux");
    let base = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        listener.set_nonblocking(false).unwrap();
        let body = r#"{"data":{"project":{"runCount":0,"runs":{"edges":[],"pageInfo":{"endCursor":null,"hasNextPage":false}}}}}"#;
        for stream in listener.incoming().take(4) {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 65536];
            let _ = stream.read(&mut buf);
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (base, handle)
}

#[test]
fn a_redirect_to_another_origin_answering_200_is_an_error_naming_both_hosts() {
    let (stranger, _thread) = stranger_answering_200();
    let mut first = config();
    first.faults = vec![FaultRule::always(Fault::Redirect {
        status: 307,
        location: format!("{stranger}/graphql"),
    })];
    let server = FakeWandb::start(first);
    let work = Workdir::new();
    let output = fetch(&work, &server.base_url(), &[]);
    assert_eq!(output.status.code(), Some(9), "{}", stderr(&output));
    let line = error_line(&output);
    let here = server.base_url().trim_start_matches("http://").to_string();
    let there = stranger.trim_start_matches("http://");
    assert!(
        line.contains(&format!("{here} redirected to {there}, which answered HTTP 200")),
        "{line}"
    );
    assert!(!work.join(&format!("out/{PROJECT}/mdl-table.md")).exists());
}

/// `--export` asks no server, but its run links are made from the base URL and the web
/// address: a password in either is refused there too, in every spelling a browser reads
/// as userinfo, and appears in no output or file, `-v`'s settings lines included.
#[test]
fn a_password_in_the_base_url_or_web_address_is_refused_with_exports_too() {
    let work = Workdir::new();
    let export = one_run_export(&work);
    let spellings = [
        "https://user:SeCrEtPw1@wandb.example.org",
        "http:/user:SeCrEtPw1@127.0.0.1:8080",
        "https:user:SeCrEtPw1@h",
        "http:///user:SeCrEtPw1@h",
        "http:\\\\user:SeCrEtPw1@h",
        "user:SeCrEtPw1@wandb.example.org",
    ];
    for variable in ["WANDB_BASE_URL", "MDL_FETCH_WEB_URL"] {
        for base in spellings {
            let out = work.join("oi");
            let output = work
                .command()
                .env(variable, base)
                .args(["--export", &export, "--project", "p", "--entity", "e", "-v"])
                .arg("--out")
                .arg(&out)
                .output()
                .unwrap();
            assert_eq!(
                output.status.code(),
                Some(2),
                "{variable}={base}: {}",
                stderr(&output)
            );
            let line = error_line(&output);
            assert!(line.contains("***"), "{line}");
            let mut outputs = vec![
                ("stderr".to_string(), output.stderr.clone()),
                ("stdout".to_string(), output.stdout.clone()),
            ];
            outputs.extend(disk::contents(work.path()));
            let found = disk::leaks(outputs.iter().map(|(n, b)| (n.clone(), &b[..])), &["SeCrEtPw1"]);
            assert!(found.is_empty(), "{variable}={base}: {found:?}");
            assert!(!out.exists(), "nothing written for {variable}={base}");
        }
    }
}
