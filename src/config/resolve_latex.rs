//! Resolves how `mdl-table.tex` looks: the profile's `[latex]` table, each key overridden
//! by its flag (`--latex-header`, `--digits`, `--latex-align`, `--caption`, `--label`).

use std::path::Path;

use crate::config::cli::LatexArgs;
use crate::config::profile::LatexProfile;
use crate::emit::latex_style::{check_label, check_text, LatexStyle, MAX_DIGITS};
use crate::error::{fail, Kind};

/// Where a value came from, for its error: a flag (a usage error, exit 2) or the profile
/// (bad input, exit 3, naming the file and the key).
enum Origin<'a> {
    Flag(String),
    Profile(&'a Option<&'a Path>, String),
}

impl Origin<'_> {
    fn fail<T>(&self, what: &str) -> anyhow::Result<T> {
        match self {
            Origin::Flag(flag) => fail(Kind::Usage, format!("{flag}: {what}")),
            Origin::Profile(path, key) => {
                let path = path.map_or_else(|| "profile".into(), |p| p.display().to_string());
                fail(Kind::Input, format!("{path}: {key}: {what}"))
            }
        }
    }
}

/// The LaTeX style: built-in defaults < the profile's `[latex]` < flags.
pub fn resolve_latex(
    args: &LatexArgs,
    profile: &LatexProfile,
    profile_path: Option<&Path>,
) -> anyhow::Result<LatexStyle> {
    let path = &profile_path;
    let mut style = LatexStyle::default();
    let headers = &profile.headers;
    let named = [
        ("layer", &headers.layer),
        ("activation", &headers.activation),
        ("error", &headers.error),
        ("dl", &headers.dl),
        ("tolerance", &headers.tolerance),
    ];
    for (column, text) in named.iter().filter_map(|(c, t)| Some((*c, t.as_ref()?))) {
        let origin = Origin::Profile(path, format!("latex.headers.{column} = {text:?}"));
        header(&mut style, column, text, &origin)?;
    }
    for flag in &args.latex_header {
        let origin = Origin::Flag(format!("--latex-header {flag}"));
        let Some((column, text)) = flag.split_once('=') else {
            return origin.fail("write COLUMN=TEXT, e.g. --latex-header activation=Architecture");
        };
        header(&mut style, column.trim(), text, &origin)?;
    }
    let digits = match args.digits {
        Some(digits) => Some((digits, Origin::Flag(format!("--digits {digits}")))),
        None => (profile.digits).map(|d| (d, Origin::Profile(path, format!("latex.digits = {d}")))),
    };
    if let Some((digits, origin)) = digits {
        if !(1..=MAX_DIGITS).contains(&digits) {
            return origin.fail(&format!(
                "give 1 to {MAX_DIGITS} significant digits (default 6, as mdl-table.md)"
            ));
        }
        style.digits = digits;
    }
    style.align = args.latex_align.or(profile.align).unwrap_or_default();
    style.caption = caption(args, profile, path)?;
    style.label = label(args, profile, path)?;
    if style.label.is_some() && style.caption.is_none() {
        let origin = match &args.label {
            Some(label) => Origin::Flag(format!("--label {label}")),
            None => Origin::Profile(path, "latex.label".into()),
        };
        return origin
            .fail("a label needs a caption to refer to: give --caption TEXT (or latex.caption) too");
    }
    Ok(style)
}

/// Sets one header, refusing a column there is not or text that would break the table.
fn header(style: &mut LatexStyle, column: &str, text: &str, origin: &Origin) -> anyhow::Result<()> {
    if let Err(why) = check_text(text) {
        return origin.fail(&why);
    }
    match style.headers.set(column, text) {
        Ok(()) => Ok(()),
        Err(why) => origin.fail(&why),
    }
}

/// `--caption`, else `latex.caption`, checked.
fn caption(args: &LatexArgs, profile: &LatexProfile, path: &Option<&Path>) -> anyhow::Result<Option<String>> {
    let (text, origin) = match (&args.caption, &profile.caption) {
        (Some(text), _) => (text, Origin::Flag(format!("--caption {text:?}"))),
        (None, Some(text)) => (text, Origin::Profile(path, format!("latex.caption = {text:?}"))),
        (None, None) => return Ok(None),
    };
    match check_text(text) {
        Ok(()) => Ok(Some(text.clone())),
        Err(why) => origin.fail(&why),
    }
}

/// `--label`, else `latex.label`, checked.
fn label(args: &LatexArgs, profile: &LatexProfile, path: &Option<&Path>) -> anyhow::Result<Option<String>> {
    let (key, origin) = match (&args.label, &profile.label) {
        (Some(key), _) => (key, Origin::Flag(format!("--label {key}"))),
        (None, Some(key)) => (key, Origin::Profile(path, format!("latex.label = {key:?}"))),
        (None, None) => return Ok(None),
    };
    match check_label(key) {
        Ok(()) => Ok(Some(key.clone())),
        Err(why) => origin.fail(&why),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::latex_style::Align;

    fn args(flags: &[&str]) -> LatexArgs {
        use clap::Parser;
        let mut argv = vec!["mdl-fetch"];
        argv.extend(flags);
        crate::config::cli::Cli::parse_from(argv).table.latex
    }

    fn profile(text: &str) -> LatexProfile {
        let text = format!("[latex]\n{text}");
        crate::config::profile::Profile::parse(&text, Path::new("config/p.toml"))
            .unwrap()
            .latex
    }

    fn error(result: anyhow::Result<LatexStyle>) -> (i32, String) {
        let error = result.unwrap_err();
        (crate::error::exit_code_of(&error), format!("{error:#}"))
    }

    #[test]
    fn flags_override_the_profile_key_by_key() {
        let profile = profile(
            "digits = 4\nalign = \"siunitx\"\ncaption = \"DL.\"\n[latex.headers]\nactivation = \"Arch\"\nerror = \"NMSE\"\n",
        );
        let style = resolve_latex(&args(&[]), &profile, None).unwrap();
        assert_eq!((style.digits, style.align), (4, Align::Siunitx));
        assert_eq!(
            (style.headers.activation.as_str(), style.headers.error.as_str()),
            ("Arch", "NMSE")
        );
        assert_eq!(style.caption.as_deref(), Some("DL."));
        let flags = args(&[
            "--digits",
            "3",
            "--latex-align",
            "plain",
            "--latex-header",
            "error=$\\ell_2$",
        ]);
        let style = resolve_latex(&flags, &profile, None).unwrap();
        assert_eq!((style.digits, style.align), (3, Align::Plain));
        assert_eq!(style.headers.error, "$\\ell_2$");
        assert_eq!(
            style.headers.activation, "Arch",
            "the profile's other header stays"
        );
        assert_eq!(
            resolve_latex(&args(&[]), &LatexProfile::default(), None).unwrap(),
            LatexStyle::default()
        );
    }

    #[test]
    fn bad_values_name_the_flag_or_the_profile_key() {
        let none = LatexProfile::default();
        let (code, message) = error(resolve_latex(&args(&["--digits", "0"]), &none, None));
        assert_eq!(code, 2);
        assert!(
            message.contains("--digits 0: give 1 to 17 significant digits"),
            "{message}"
        );
        let (code, message) = error(resolve_latex(&args(&["--latex-header", "mdl=DL"]), &none, None));
        assert_eq!(code, 2);
        assert!(message.contains("--latex-header mdl=DL: \"mdl\" is not a column; columns: layer, activation, error, dl, tolerance"), "{message}");
        let (_, message) = error(resolve_latex(&args(&["--latex-header", "dl"]), &none, None));
        assert!(message.contains("write COLUMN=TEXT"), "{message}");
        let (_, message) = error(resolve_latex(&args(&["--label", "tab:x"]), &none, None));
        assert!(
            message.contains("--label tab:x: a label needs a caption"),
            "{message}"
        );
        let path = Path::new("config/p.toml");
        let bad = profile("digits = 40\n");
        let (code, message) = error(resolve_latex(&args(&[]), &bad, Some(path)));
        assert_eq!(code, 3);
        assert!(
            message.contains("config/p.toml: latex.digits = 40: give 1 to 17"),
            "{message}"
        );
        let bad = profile("caption = \"\\\\textbf{x\"\n");
        let (_, message) = error(resolve_latex(&args(&[]), &bad, Some(path)));
        assert!(
            message.contains("latex.caption = \"\\\\textbf{x\": has a `{` that is never closed"),
            "{message}"
        );
    }

    #[test]
    fn unknown_keys_of_the_latex_table_are_errors() {
        let text = "[latex]\nalign = \"siunitx\"\ncolour = 1\n";
        let error = crate::config::profile::Profile::parse(text, Path::new("p.toml")).unwrap_err();
        assert!(
            format!("{error:#}").contains("unknown field `colour`"),
            "{error:#}"
        );
        let text = "[latex.headers]\nmse = \"x\"\n";
        let error = crate::config::profile::Profile::parse(text, Path::new("p.toml")).unwrap_err();
        assert!(format!("{error:#}").contains("unknown field `mse`"), "{error:#}");
    }
}
