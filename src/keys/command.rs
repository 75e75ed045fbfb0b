//! The `keys` and `init` commands: read the runs, count their keys, propose the roles'
//! keys, then print them or write them as a profile.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::census::Census;
use super::exports::census_of_exports;
use super::online::census_online;
use super::profile_text::{profile_text, Plan};
use super::propose::{propose, Proposal};
use super::render::{self, Report, SourceInfo};
use super::{overrides, render::missing};
use crate::config::cli_keys::{InitArgs, KeySourceArgs, KeysArgs, KeysFormat};
use crate::config::export_spec::ExportSpec;
use crate::config::profile::Profile;
use crate::config::projects::ProjectName;
use crate::error::{fail, Error, Kind};

/// `mdl-fetch keys`: the keys and the proposed flags on stdout.
pub fn keys(args: &KeysArgs) -> anyhow::Result<()> {
    let (source, census) = read(&args.source)?;
    let proposals = propose(&census, source.online);
    let report = Report {
        source: &source,
        census: &census,
        proposals: &proposals,
    };
    let text = match args.format {
        KeysFormat::Text => render::text(&report),
        KeysFormat::Json => render::json(&report),
    };
    print(&text)
}

/// `mdl-fetch init`: the proposals (and `--column`'s keys) written as a profile.
pub fn init(args: &InitArgs) -> anyhow::Result<()> {
    let Some(project) = args
        .source
        .project
        .as_deref()
        .map(ProjectName::parse)
        .transpose()?
    else {
        return fail(
            Kind::Usage,
            "init writes config/<project>.toml: name the project with --project NAME (with --export too)",
        );
    };
    let path =
        (args.to.clone()).unwrap_or_else(|| PathBuf::from("config").join(format!("{}.toml", project.name)));
    if path.exists() && !args.force {
        return fail(
            Kind::Usage,
            format!(
                "{} exists; pass --force to replace it, or --to PATH to write the profile elsewhere",
                path.display()
            ),
        );
    }
    let (source, census) = read(&args.source)?;
    let mut proposals = propose(&census, source.online);
    let name_key = overrides::apply(&mut proposals, &args.column, &census, source.online)?;
    let text = profile_text(&Plan {
        project: &project.name,
        source: &source,
        census: &census,
        proposals: &proposals,
        name_key: name_key.as_deref(),
    });
    // What is written must load as `mdl-fetch --project` will load it.
    Profile::parse(&text, &path)?;
    write_profile(&path, &text, args.force)?;
    say_written(&path, &project.name, &proposals);
    Ok(())
}

/// The runs `source` names, counted: from its exports, else online.
fn read(source: &KeySourceArgs) -> anyhow::Result<(SourceInfo, Census)> {
    let project = source.project.as_deref().map(ProjectName::parse).transpose()?;
    if source.runs == 0 {
        return fail(Kind::Usage, "--runs 0: read at least 1 run");
    }
    if !source.export.is_empty() {
        return read_exports(source, project);
    }
    let Some(project) = project else {
        return fail(
            Kind::Usage,
            "say whose keys to list: --project NAME (from W&B) or --export FILES (web-page exports)",
        );
    };
    let online = census_online(source, &project)?;
    let what = format!("{}/{}", online.entity, online.project);
    if online.census.runs == 0 {
        return fail(
            Kind::Empty,
            format!("{what} has no runs: check the project's name and --entity"),
        );
    }
    let info = SourceInfo {
        what,
        online: true,
        run_count: Some(online.run_count),
        project: Some(online.project),
        entity: Some(online.entity),
    };
    Ok((info, online.census))
}

fn read_exports(
    source: &KeySourceArgs,
    project: Option<ProjectName>,
) -> anyhow::Result<(SourceInfo, Census)> {
    let exports = (source.export.iter())
        .map(|text| ExportSpec::parse_all(text))
        .collect::<anyhow::Result<Vec<_>>>()?
        .concat();
    ExportSpec::check_one_stdin(&exports)?;
    let census = census_of_exports(&exports)?;
    let labels: Vec<String> = exports.iter().map(ExportSpec::label).collect();
    let what = labels.join(" ");
    if census.runs == 0 {
        return fail(
            Kind::Input,
            format!("{what}: a header but no runs; export the runs table again with its rows"),
        );
    }
    let entity = project.as_ref().and_then(|project| project.entity.clone());
    let info = SourceInfo {
        what,
        online: false,
        run_count: None,
        entity: entity.or_else(|| source.entity.clone()),
        project: project.map(|project| project.name),
    };
    Ok((info, census))
}

/// Writes the profile through a temp file in its folder; without `force`, never over a
/// file that appeared meanwhile.
fn write_profile(path: &Path, text: &str, force: bool) -> anyhow::Result<()> {
    let cannot = |e: &dyn std::fmt::Display| {
        Error::new(
            Kind::Output,
            format!("{}: cannot write the profile: {e}", path.display()),
        )
    };
    let folder = path
        .parent()
        .filter(|folder| !folder.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder).map_err(|e| cannot(&e))?;
    let mut temp = tempfile::NamedTempFile::new_in(folder).map_err(|e| cannot(&e))?;
    temp.write_all(text.as_bytes()).map_err(|e| cannot(&e))?;
    let persisted = match force {
        true => temp.persist(path).map(drop),
        false => temp.persist_noclobber(path).map(drop),
    };
    persisted.map_err(|e| cannot(&e.error).into())
}

/// Says on stderr what was written, each role without a key as a warning, and what next.
fn say_written(path: &Path, project: &str, proposals: &[Proposal]) {
    for proposal in proposals.iter().filter(|proposal| proposal.choice.is_none()) {
        let role = proposal.role.name();
        crate::style::warn(&format!(
            "no {role} key guessed ({}); {} has columns.{role} commented out: set it there, or run init again with --column {role}=KEY --force",
            missing(proposal.role),
            path.display()
        ));
    }
    let chosen: Vec<String> = (proposals.iter())
        .filter_map(|proposal| {
            proposal
                .choice
                .as_ref()
                .map(|choice| format!("{}={}", proposal.role.name(), choice.key))
        })
        .collect();
    eprintln!(
        "wrote {} ({}); next: mdl-fetch --project {project}",
        path.display(),
        chosen.join(", ")
    );
}

/// Prints to stdout; a closed pipe (`| head`) is not an error.
fn print(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            fail(Kind::Output, format!("stdout: cannot write the keys: {e}"))
        }
        _ => Ok(()),
    }
}
