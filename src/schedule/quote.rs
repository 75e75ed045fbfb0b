//! Arguments quoted for the syntax that will read them back: a POSIX shell (cron's
//! `/bin/sh -c`, a workflow's `run:`), cron's own `%`, and systemd's `ExecStart=`.

/// `arg` as one word of a POSIX shell: as it is when it holds only plain characters, else
/// in single quotes (a `'` inside as `'\''`).
pub fn shell(arg: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c);
    if !arg.is_empty() && arg.chars().all(plain) {
        return arg.to_string();
    }
    format!("'{}'", arg.replace('\'', r"'\''"))
}

/// A shell command line of `words`, each quoted.
pub fn shell_line<S: AsRef<str>>(words: &[S]) -> String {
    (words.iter())
        .map(|word| shell(word.as_ref()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A shell command as a crontab line's command: cron reads an unescaped `%` as a line
/// break, so each is written `\%` (cron removes the backslash).
pub fn cron(command: &str) -> String {
    command.replace('%', r"\%")
}

/// `arg` as one word of systemd's `ExecStart=`: specifiers (`%`) and variables (`$`)
/// doubled, and in double quotes, with `\` and `"` escaped, when it holds a blank, a quote,
/// a backslash or a `;`, or is empty.
pub fn systemd(arg: &str) -> String {
    let escaped = arg.replace('%', "%%").replace('$', "$$");
    let needs_quotes = arg.is_empty() || arg.chars().any(|c| c.is_whitespace() || "\"'\\;".contains(c));
    match needs_quotes {
        false => escaped,
        true => format!("\"{}\"", escaped.replace('\\', r"\\").replace('"', "\\\"")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shell_reads_each_word_back_as_it_was() {
        let words = [
            "/srv/my paper/mdl-fetch",
            "--filter",
            r#"{"config.lr": {"$lt": 0.001}}"#,
            "it's",
            "",
            "a%b",
            "plain-word_1.csv",
        ];
        let line = shell_line(&words);
        let script = format!("for word in {line}; do printf '%s\\n' \"$word\"; done");
        let output = std::process::Command::new("sh")
            .args(["-c", &script])
            .output()
            .unwrap();
        let expected: String = words.iter().map(|word| format!("{word}\n")).collect();
        assert_eq!(String::from_utf8(output.stdout).unwrap(), expected);
        assert_eq!(shell("plain-word_1.csv"), "plain-word_1.csv");
    }

    #[test]
    fn cron_and_systemd_escape_their_own_characters() {
        assert_eq!(cron("date +%F"), r"date +\%F");
        assert_eq!(systemd("/usr/bin/x"), "/usr/bin/x");
        assert_eq!(systemd("100%"), "100%%");
        assert_eq!(systemd("$HOME"), "$$HOME");
        assert_eq!(systemd(r#"{"a": "b\c"}"#), r#""{\"a\": \"b\\c\"}""#);
        assert_eq!(systemd(";"), "\";\"");
        assert_eq!(systemd(""), "\"\"");
    }
}
