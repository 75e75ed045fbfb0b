//! The profile `mdl-fetch init` writes: the chosen keys as `[columns]`, the layers they
//! hold, finished runs only when the runs say their state; each line with a comment saying
//! where its value came from, and a role no key was found for commented out with why.
//! Only keys `config::profile::Profile` knows are written.

use super::census::Census;
use super::propose::{Choice, Proposal, Role};
use super::render::{missing, SourceInfo};

/// The column comments start at.
const COMMENT_AT: usize = 34;

/// The run state a paper's table keeps.
const FINISHED: &str = "finished";

/// What the profile says.
pub struct Plan<'a> {
    pub project: &'a str,
    pub source: &'a SourceInfo,
    pub census: &'a Census,
    pub proposals: &'a [Proposal],
    /// `--column name=KEY`, when given.
    pub name_key: Option<&'a str>,
}

/// The profile's text.
pub fn profile_text(plan: &Plan<'_>) -> String {
    let mut out = format!(
        "# Profile for the W&B project {}, written by `mdl-fetch init` from {} runs of {}.\n\
         # [columns] says which W&B key (or export column) holds what: check the guesses against\n\
         # `mdl-fetch keys`. Every key is optional; the README's \"Settings\" lists them all.\n\n",
        plan.project, plan.census.runs, plan.source.what
    );
    if let Some(entity) = &plan.source.entity {
        out.push_str(&line(
            &format!("entity = {}", quoted(entity)),
            "the W&B user or team",
        ));
    }
    out.push_str(&layers_line(plan));
    out.push_str(&line("bits = 7", "B: bits per non-zero activation value"));
    out.push_str(&line(
        &format!("# dict_size = {}", crate::config::settings::DEFAULT_DICT_SIZE),
        "D for a run that gives none (this is the default)",
    ));
    out.push_str(&line(
        "\n[columns]",
        "W&B keys: config for the layout, summary for metrics",
    ));
    if let Some(name) = plan.name_key {
        out.push_str(&line(
            &format!("name = {}", quoted(name)),
            "the run's display name",
        ));
    }
    for proposal in plan.proposals {
        out.push_str(&column_line(plan, proposal));
    }
    if let Some(regex) = layer_regex(plan) {
        out.push_str("\n[name]\n");
        out.push_str(&line(
            &format!("layer_regex = {}", quoted(regex)),
            "its first group is the layer",
        ));
    }
    out.push_str(&states_lines(plan.census));
    out
}

/// `text`, its comment starting at `COMMENT_AT`.
fn line(text: &str, comment: &str) -> String {
    let width = text.rsplit('\n').next().unwrap_or(text).chars().count();
    let pad = COMMENT_AT.saturating_sub(width).max(1);
    format!("{text}{:pad$}# {comment}\n", "")
}

/// `text` as a TOML string.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

fn layer_choice<'a>(plan: &Plan<'a>) -> Option<&'a Choice> {
    let proposal = plan
        .proposals
        .iter()
        .find(|proposal| proposal.role == Role::Layer)?;
    proposal.choice.as_ref()
}

fn layer_regex<'a>(plan: &Plan<'a>) -> Option<&'a str> {
    layer_choice(plan).and_then(|choice| choice.layer_regex.as_deref())
}

/// `layers = [...]`: every layer the layer key holds.
fn layers_line(plan: &Plan<'_>) -> String {
    match layer_choice(plan).filter(|choice| !choice.layers.is_empty()) {
        Some(choice) => {
            let layers: Vec<String> = choice.layers.iter().map(i64::to_string).collect();
            let comment = format!("the layers of {}; only these reach the table", choice.key);
            line(&format!("layers = [{}]", layers.join(", ")), &comment)
        }
        None => line(
            "# layers = [6, 7, 8]",
            "no layer key found: set columns.layer, then the layers",
        ),
    }
}

/// `ROLE = "KEY"` with where the key is and how many runs carry it, or the role
/// commented out with why no key was chosen.
fn column_line(plan: &Plan<'_>, proposal: &Proposal) -> String {
    let role = proposal.role.name();
    let Some(choice) = &proposal.choice else {
        return line(
            &format!("# {role} = \"KEY\""),
            &format!("not found: {}", missing(proposal.role)),
        );
    };
    let census = plan.census;
    let mut comment = match census.find(&choice.key, &[choice.place]) {
        Some(stat) => format!(
            "{}, {}, {} of {} runs",
            stat.place.noun(),
            stat.kinds_text(),
            stat.runs,
            census.runs
        ),
        None => "as given".to_string(),
    };
    if choice.layer_regex.is_some() {
        comment.push_str("; the layer read by name.layer_regex");
    }
    let partial = census
        .find(&choice.key, &[choice.place])
        .is_some_and(|stat| stat.runs < census.runs);
    if proposal.role == Role::K && partial {
        comment.push_str("; k = 0 where absent");
    }
    line(&format!("{role} = {}", quoted(&choice.key)), &comment)
}

/// `[wandb] states = ["finished"]` when the runs say their state and some finished.
fn states_lines(census: &Census) -> String {
    let finished = census.states.get(FINISHED).copied().unwrap_or(0);
    let said: u64 = census.states.values().sum();
    let mut out = String::from("\n[wandb]\n");
    if finished == 0 {
        let why = match said {
            0 => "the runs read say no state",
            _ => "no run read is finished",
        };
        out.push_str(&line("# states = [\"finished\"]", why));
        return out;
    }
    let others: Vec<&str> = (census.states.keys())
        .filter(|state| *state != FINISHED)
        .map(String::as_str)
        .collect();
    let comment = match others.is_empty() {
        true => format!("all {finished} runs read; a later crashed or running run stays out"),
        false => format!(
            "{finished} of {said} runs read; {} runs stay out",
            others.join(" and ")
        ),
    };
    out.push_str(&line("states = [\"finished\"]", &comment));
    out
}
