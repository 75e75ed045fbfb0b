//! Tests of base-URL checks and redaction: the spellings browsers accept, and a property
//! test that no generated URL's user name or password reaches any text shown or written.

use super::*;
use proptest::prelude::*;

#[test]
fn every_spelling_of_userinfo_is_refused_and_redacted() {
    for text in [
        "https://UsEr:SeCrEtPw1@wandb.example.org",
        "http:/UsEr:SeCrEtPw1@127.0.0.1:8080",
        "https:UsEr:SeCrEtPw1@h",
        "http:///UsEr:SeCrEtPw1@h",
        "http:\\\\UsEr:SeCrEtPw1@h",
        "HTTPS://UsEr:SeCrEtPw1@h/x",
        "UsEr:SeCrEtPw1@wandb.example.org",
        "//UsEr:SeCrEtPw1@wandb.example.org",
        "https://UsEr:SeCrEtPw1@",
        "https://a@b:SeCrEtPw1@host/path@x",
    ] {
        let error = check_address(text, "base URL").unwrap_err();
        assert_eq!(crate::error::exit_code_of(&error), 2, "{text}");
        let line = format!("{error:#}");
        assert!(!line.contains("SeCrEtPw1"), "{text}: {line}");
        assert!(!line.contains("UsEr"), "{text}: {line}");
        assert!(line.contains("***"), "{text}: {line}");
        assert!(!redact(text).contains("SeCrEtPw1"), "{text}: {}", redact(text));
    }
}

#[test]
fn addresses_without_userinfo_pass_and_print_as_given() {
    for text in [
        "https://api.wandb.ai",
        "http://127.0.0.1:8080/",
        "https://wandb.lab.org/graphql",
        "https://api.wandb.ai/a@b",
    ] {
        assert!(check_address(text, "base URL").is_ok(), "{text}");
        assert_eq!(redact(text), text);
    }
    for text in ["not a url", "ftp://host", "https://", "mailto:x"] {
        let error = check_address(text, "base URL").unwrap_err();
        assert_eq!(crate::error::exit_code_of(&error), 2, "{text}");
    }
}

/// A scheme as people type it, with the separators a browser still reads as `://`.
fn scheme_and_separator() -> impl Strategy<Value = String> {
    let scheme = prop::sample::select(vec!["http", "https", "HTTP", "hTtPs", "ws", "ftp", "", "x-y"]);
    let separator = prop::sample::select(vec![
        "://", ":/", ":", ":///", ":\\\\", ":\\", ":/\\", "//", "", ":////",
    ]);
    (scheme, separator).prop_map(|(scheme, separator)| format!("{scheme}{separator}"))
}

/// Text after the userinfo: a host of some kind, maybe a port, a path, a query.
fn rest() -> impl Strategy<Value = String> {
    let host = prop::sample::select(vec![
        "wandb.example.org",
        "127.0.0.1",
        "[::1]",
        "h",
        "",
        "api.wandb.ai",
        "xn--bcher-kva.example",
        "a b",
    ]);
    let port = prop::sample::select(vec!["", ":8080", ":", ":99999"]);
    let tail = prop::sample::select(vec!["", "/", "/graphql", "/p@q", "?a=b@c", "#f", "\\x"]);
    (host, port, tail).prop_map(|(host, port, tail)| format!("{host}{port}{tail}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    /// Whatever the spelling, a URL's user name and password never appear in what the
    /// checks say or in the redacted text; and an address that passes holds neither.
    #[test]
    fn no_generated_userinfo_reaches_any_output(
        front in scheme_and_separator(),
        user in "[A-Za-z0-9._~%!$&'()*+,;=-]{0,6}",
        password in "[A-Za-z0-9._~%!$&'()*+,;=:@-]{0,8}",
        with_password in any::<bool>(),
        rest in rest(),
    ) {
        // Markers that cannot occur by chance in the rest of the text.
        let user = format!("Uq{user}");
        let password = format!("Pz{password}Zk");
        let userinfo = match with_password {
            true => format!("{user}:{password}"),
            false => user.clone(),
        };
        let text = format!("{front}{userinfo}@{rest}");
        let shown = redact(&text);
        prop_assert!(!shown.contains(&password), "{text} -> {shown}");
        prop_assert!(!shown.contains(&user), "{text} -> {shown}");
        match check_address(&text, "base URL") {
            Ok(url) => {
                prop_assert!(url.username().is_empty() && url.password().is_none(), "{text}");
                prop_assert!(!url.as_str().contains(&password), "{text} -> {url}");
                prop_assert!(!crate::model::project::ui_of_api(url.as_str()).contains(&password));
            }
            Err(error) => {
                let line = format!("{error:#}");
                prop_assert!(!line.contains(&password), "{text} -> {line}");
                prop_assert!(!line.contains(&user), "{text} -> {line}");
            }
        }
    }
}
