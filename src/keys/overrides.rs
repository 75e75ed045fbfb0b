//! `init --column ROLE=KEY`: the user's key for a role instead of the guess. A key no run
//! read carries is refused, naming the keys nearest to it; one whose values are not the
//! role's type is taken with a warning.

use super::census::{Census, Place};
use super::propose::{choice_of, layers_in_text, text_layer_choice, Proposal, Role, ROLES};
use crate::error::{fail, Kind};

/// How many near keys an error names.
const NEAREST: usize = 3;

/// Applies each `--column ROLE=KEY` to `proposals`; returns the key of the `name` role,
/// when one is given (the display name's column, which is not guessed).
pub fn apply(
    proposals: &mut [Proposal],
    columns: &[String],
    census: &Census,
    online: bool,
) -> anyhow::Result<Option<String>> {
    let mut name_key = None;
    for text in columns {
        let Some((role, key)) = text.split_once('=').filter(|(_, key)| !key.is_empty()) else {
            return fail(
                Kind::Usage,
                format!("--column {text}: write ROLE=KEY, e.g. --column activation=sae_type"),
            );
        };
        if role.trim() == "name" {
            name_key = Some(key.to_string());
            continue;
        }
        let Some(proposal) = proposals
            .iter_mut()
            .find(|proposal| proposal.role.name() == role.trim())
        else {
            let roles: Vec<&str> = ROLES.iter().map(|role| role.name()).collect();
            return fail(
                Kind::Usage,
                format!(
                    "--column {text}: {role:?} is not a role; roles: name, {}",
                    roles.join(", ")
                ),
            );
        };
        proposal.choice = Some(choice(proposal.role, key, census, online, text)?);
    }
    Ok(name_key)
}

/// The choice of `key` for `role`: it must be a key the runs carry where a fetch reads it.
fn choice(
    role: Role,
    key: &str,
    census: &Census,
    online: bool,
    flag: &str,
) -> anyhow::Result<super::propose::Choice> {
    let places = role.places(online);
    let Some(stat) = census.find(key, places) else {
        let place = places
            .iter()
            .map(|place| place.noun())
            .collect::<Vec<_>>()
            .join(" or ");
        return fail(
            Kind::Usage,
            format!(
                "--column {flag}: no {place} {key:?} in the {} runs read; nearest: {}",
                census.runs,
                nearest(census, key, places).join(", ")
            ),
        );
    };
    if role == Role::Layer && stat.text() && !layers_in_text(stat).is_empty() {
        return Ok(text_layer_choice(stat));
    }
    if !role.fits(stat) {
        crate::style::warn(&format!(
            "--column {flag}: {key} holds {} values, and a {} key holds {}; written as given",
            stat.kinds_text(),
            role.name(),
            role.wants()
        ));
    }
    Ok(choice_of(role, stat))
}

/// The keys at `places` most like `key` (`config::role_keys::nearest`), nearest first.
pub fn nearest(census: &Census, key: &str, places: &[Place]) -> Vec<String> {
    let keys: Vec<&str> = (census.keys())
        .filter(|stat| places.contains(&stat.place))
        .map(|stat| stat.key.as_str())
        .collect();
    if keys.is_empty() {
        return vec!["(none: the runs carry no such keys)".into()];
    }
    let near = crate::config::role_keys::nearest(key, &keys, NEAREST);
    match near.is_empty() {
        // Nothing close: the first few, so that the message still shows what there is.
        true => keys.iter().take(NEAREST).map(|key| key.to_string()).collect(),
        false => near.into_iter().map(str::to_string).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::propose::propose;
    use serde_json::json;

    fn census() -> Census {
        let mut census = Census::default();
        census.add_run(Some("finished"));
        census.observe(Place::Summary, "metrics/l0", &json!(31.5));
        census.observe(Place::Summary, "metrics/l1", &json!(3.5));
        census.observe(Place::Config, "hook_name", &json!("blocks.6.hook_resid_pre"));
        census
    }

    #[test]
    fn a_key_the_runs_lack_names_the_nearest_ones_and_a_bad_role_the_roles() {
        let census = census();
        let mut proposals = propose(&census, true);
        let error = apply(&mut proposals, &["l0=metrics/L0".into()], &census, true).unwrap_err();
        let message = format!("{error:#}");
        assert!(
            message.contains(
                "no summary key \"metrics/L0\" in the 1 runs read; nearest: metrics/l0, metrics/l1"
            ),
            "{message}"
        );
        let error = apply(&mut proposals, &["colour=x".into()], &census, true).unwrap_err();
        assert!(
            format!("{error:#}").contains("roles: name, layer, dict_size"),
            "{error:#}"
        );
    }

    #[test]
    fn a_layer_given_as_a_hook_name_is_read_by_the_hook_regex() {
        let census = census();
        let mut proposals = propose(&census, true);
        let name = apply(
            &mut proposals,
            &["layer=hook_name".into(), "name=Title".into()],
            &census,
            true,
        )
        .unwrap();
        assert_eq!(name.as_deref(), Some("Title"));
        let layer = proposals[0].choice.clone().unwrap();
        assert_eq!((layer.key.as_str(), layer.layers), ("hook_name", vec![6]));
        assert!(layer.layer_regex.is_some());
    }
}
