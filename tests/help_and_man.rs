//! `--help` and `mdl-fetch man` say how to authenticate, keep the `[env: …]` notes, list
//! the artifacts a run really writes, and the man page, as `man` shows it, keeps the
//! examples' lines and points at no page that is not shipped.

use crate::support;

use std::collections::BTreeSet;
use std::process::Command;

use support::*;

fn help(work: &Workdir) -> String {
    let output = work.run(&["--help"]);
    ok(&output);
    stdout(&output)
}

/// The file names (`name.ext` of the artifacts' kinds) a text names.
fn artifact_names(text: &str) -> BTreeSet<String> {
    let name = regex::Regex::new(r"[a-z][a-z-]*\.(md|csv|tex|json|svg|png|html)\b").unwrap();
    name.find_iter(text).map(|m| m.as_str().to_string()).collect()
}

/// The names of the files in a folder.
fn files_in(dir: &std::path::Path) -> BTreeSet<String> {
    (std::fs::read_dir(dir).unwrap())
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn help_names_every_artifact_a_run_writes_and_no_other() {
    let work = Workdir::new();
    let text = help(&work);
    let about = text.split("\nUsage:").next().unwrap();
    let bundled = |out: &str, extra: &[&str]| {
        let output = (work.command())
            .env("MDL_FETCH_CONFIG_DIR", root().join("config"))
            .args(["--project", "sae-sweeps", "--offline", "-q", "--out", out])
            .args(extra)
            .output()
            .unwrap();
        ok(&output);
        files_in(&work.join(out))
    };
    let plain = bundled("plain", &[]);
    let count = format!("writes {} files", plain.len());
    assert!(about.replace('\n', " ").contains(&count), "{count}: {about}");
    let mut all = vec!["--tolerance", "3e-3"];
    if cfg!(feature = "png") {
        all.push("--png");
    }
    let mut written = bundled("all", &all);
    if !cfg!(feature = "png") {
        written.insert("frontier.png".into());
    }
    assert_eq!(artifact_names(about), written, "{about}");
    assert!(plain.len() < written.len());
}

#[test]
fn help_says_how_to_authenticate_and_which_variables_set_options() {
    let text = help(&Workdir::new());
    let authentication = (text.split("\nAuthentication:\n").nth(1))
        .unwrap_or_else(|| panic!("no Authentication section: {text}"));
    for word in ["WANDB_API_KEY", "netrc", "$NETRC", "WANDB_BASE_URL", "--offline"] {
        assert!(authentication.contains(word), "{word}: {authentication}");
    }
    for variable in [
        "WANDB_PROJECT",
        "WANDB_ENTITY",
        "MDL_FETCH_OUT",
        "MDL_FETCH_CACHE_DIR",
    ] {
        assert!(
            text.contains(&format!("[env: {variable}=]")),
            "{variable}: {text}"
        );
    }
}

/// The man page as `man` (else groff) shows it 80 columns wide, hyphens made plain; `None`
/// (a skip, said on stderr) where neither is installed.
fn rendered_man_page(work: &Workdir) -> Option<String> {
    let output = work.run(&["man"]);
    ok(&output);
    let page = work.write("mdl-fetch.1", &output.stdout);
    // groff plain: no bold or underline, which a terminal would show as escape codes.
    let tries: [(&str, Vec<&str>); 2] = [
        ("man", vec!["-l"]),
        ("groff", vec!["-man", "-Tutf8", "-P-cbu", "-rLL=73n"]),
    ];
    for (program, args) in tries {
        let rendered = Command::new(program)
            .args(args)
            .arg(&page)
            .env("MANWIDTH", "80")
            .env("MANPAGER", "cat")
            .env("PAGER", "cat")
            .output();
        let rendered = rendered
            .ok()
            .filter(|r| r.status.success() && !r.stdout.is_empty());
        if let Some(rendered) = rendered {
            let text = String::from_utf8_lossy(&rendered.stdout);
            return Some(text.replace(['\u{2010}', '\u{2212}'], "-"));
        }
    }
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        b"skipping the rendered man page's checks: neither man nor groff is installed (apt-get install man-db)\n",
    );
    None
}

#[test]
fn the_man_page_keeps_the_examples_lines_and_names_no_missing_page() {
    let work = Workdir::new();
    let Some(text) = rendered_man_page(&work) else {
        return;
    };
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let examples = (lines.iter())
        .skip_while(|line| **line != "EXAMPLES")
        .skip(1)
        .take_while(|line| line.is_empty() || line.starts_with(' '))
        .copied()
        .collect::<Vec<&str>>();
    let expected: Vec<&str> = mdl_fetch::config::cli::EXAMPLES
        .lines()
        .map(|l| &l[2..])
        .collect();
    let shown: Vec<&str> = (examples.iter())
        .filter(|line| !line.is_empty())
        .map(|line| &line[7..])
        .collect();
    assert_eq!(shown, expected, "{text}");
    for line in &lines {
        assert!(line.chars().count() <= 80, "wider than the page: {line}");
    }
    // Pages named as NAME(SECTION): only this one, in its header and footer.
    let reference = regex::Regex::new(r"[A-Za-z0-9_.-]+\(\d\)").unwrap();
    let named: BTreeSet<&str> = reference.find_iter(&text).map(|m| m.as_str()).collect();
    assert_eq!(named, BTreeSet::from(["mdl-fetch(1)"]), "{text}");
    for word in ["AUTHENTICATION", "WANDB_API_KEY", "netrc", "WANDB_BASE_URL"] {
        assert!(text.contains(word), "{word}: {text}");
    }
    assert!(
        text.contains("May also be specified with the"),
        "the env notes: {text}"
    );
}
