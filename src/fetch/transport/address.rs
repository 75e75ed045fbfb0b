//! Where requests go: the base URL as the user gives it (plain `http://` only for
//! loopback), the `host[:port]` that netrc and messages name, and which redirects the
//! client follows.

use reqwest::Url;

use crate::config::base_url::check_address;
use crate::error::{fail, Kind};

/// The `host[:port]` netrc and messages use for a base URL.
pub fn machine_of(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

/// Parses the base URL; plain `http://` only for loopback or with `MDL_FETCH_ALLOW_HTTP=1`.
/// A user name or password in it is refused (the key goes in `WANDB_API_KEY` or netrc),
/// and never printed.
pub fn parse_base_url(base: &str) -> anyhow::Result<Url> {
    let url = check_address(base, "base URL")?;
    match url.scheme() {
        "http" if !is_loopback(&url) && std::env::var("MDL_FETCH_ALLOW_HTTP").as_deref() != Ok("1") => fail(
            Kind::Usage,
            format!(
                "refusing to send the API key over plain http to {}; use https, or set MDL_FETCH_ALLOW_HTTP=1 if you trust the network",
                machine_of(&url)
            ),
        ),
        _ => Ok(url),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        None => false,
    }
}

/// Follows up to 5 redirects, never from https to plain http. reqwest itself drops the
/// Authorization header when a redirect changes the host, port or scheme, so the key
/// reaches only the configured origin.
pub fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let downgrade = attempt
            .previous()
            .last()
            .is_some_and(|from| from.scheme() == "https" && attempt.url().scheme() != "https");
        if downgrade {
            attempt.error("from https to plain http")
        } else if attempt.previous().len() > 5 {
            attempt.error("more than 5 times")
        } else {
            attempt.follow()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_is_refused_and_never_shown() {
        for base in [
            "http://alice:pw-SECRET@127.0.0.1:8080/",
            "https://alice:pw-SECRET@api.wandb.ai",
            "https://pw-SECRET@api.wandb.ai/x",
            "https://:pw-SECRET@api.wandb.ai",
            "http://alice:pw-SECRET@",
            "https://a@b:pw-SECRET@host/path@x",
        ] {
            let error = parse_base_url(base).unwrap_err();
            assert_eq!(crate::error::exit_code_of(&error), 2, "{base}");
            let line = format!("{error:#}");
            assert!(
                !line.contains("SECRET") && !line.contains("alice"),
                "{base}: {line}"
            );
            assert!(line.contains("***@"), "{base}: {line}");
        }
    }

    #[test]
    fn plain_http_only_on_loopback() {
        if std::env::var_os("MDL_FETCH_ALLOW_HTTP").is_some() {
            return;
        }
        for base in [
            "http://127.0.0.1:8080",
            "http://127.9.9.9",
            "http://localhost:1234/",
            "http://[::1]:8080",
            "http://[::ffff:127.0.0.1]:8080",
            "https://api.wandb.ai",
            "https://10.0.0.1",
        ] {
            assert!(parse_base_url(base).is_ok(), "{base}");
        }
        for base in [
            "http://api.wandb.ai",
            "http://0.0.0.0:80",
            "http://[::]:80",
            "http://[::ffff:10.0.0.1]",
            "http://localhost.evil.example",
            "ftp://localhost",
            "not a url",
        ] {
            let error = parse_base_url(base).unwrap_err();
            assert_eq!(crate::error::exit_code_of(&error), 2, "{base}");
        }
    }
}
