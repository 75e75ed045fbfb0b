//! The keys sweeps commonly log each role under (`d_sae`, `hook_layer`, `metrics/l0`, ...),
//! and the keys nearest to a mistyped one, so that a message can name the flag to pass.

/// A column role a table depends on, as `--column ROLE=KEY` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Layer,
    DictSize,
    Activation,
    K,
    L0,
    Error,
}

impl Role {
    /// The role's name in `--column ROLE=KEY` and a profile's `[columns]`.
    pub fn name(self) -> &'static str {
        match self {
            Role::Layer => "layer",
            Role::DictSize => "dict_size",
            Role::Activation => "activation",
            Role::K => "k",
            Role::L0 => "l0",
            Role::Error => "error",
        }
    }

    /// Keys sweeps log this role under (SAELens, dictionary_learning, sparsify, the
    /// seed), the likeliest first; compared without case, whole or by their last part.
    pub fn lookalikes(self) -> &'static [&'static str] {
        match self {
            // Text keys last: their layer is read by the layer regex (`blocks.6.`).
            Role::Layer => &[
                "layer",
                "hook_layer",
                "layer_idx",
                "layer_index",
                "hook_point_layer",
                "layer_num",
                "hookpoint_layer",
                "block",
                "hook_name",
                "hook_point",
                "hookpoint",
            ],
            Role::DictSize => &[
                "dict_size",
                "d_sae",
                "n_features",
                "dictionary_size",
                "d_dict",
                "num_features",
                "n_latents",
                "num_latents",
                "dict_dim",
                "d_hidden",
            ],
            Role::Activation => &[
                "activation",
                "architecture",
                "sae_type",
                "activation_fn",
                "act_fn",
                "arch",
            ],
            Role::K => &["k", "top_k", "topk"],
            Role::L0 => &[
                "l0",
                "metrics/l0",
                "l0_norm",
                "mean_l0",
                "sparsity/l0",
                "l0_sparsity",
            ],
            Role::Error => &[
                "losses/mse_loss",
                "mse_loss",
                "mse",
                "l2_loss",
                "reconstruction_loss",
                "recon_loss",
            ],
        }
    }
}

/// The last `/`-separated part of a key, lower case: `metrics/L0` reads `l0`.
fn stem(key: &str) -> String {
    key.rsplit('/').next().unwrap_or(key).to_ascii_lowercase()
}

/// The first of `keys` that looks like a key of `role`, in the order the role's lookalikes
/// are listed.
pub fn lookalike<'k>(role: Role, keys: &[&'k str]) -> Option<&'k str> {
    let stems: Vec<String> = keys.iter().map(|key| stem(key)).collect();
    role.lookalikes()
        .iter()
        .find_map(|wanted| (stems.iter().position(|stem| stem == wanted)).map(|at| keys[at]))
}

/// Up to `most` of `keys` nearest to `wanted` (case aside first, then by edit distance,
/// then the same last part), best first; keys far from it are left out.
pub fn nearest<'k>(wanted: &str, keys: &[&'k str], most: usize) -> Vec<&'k str> {
    let wanted_lower = wanted.to_lowercase();
    let wanted_stem = stem(wanted);
    let mut scored: Vec<(f64, &'k str)> = (keys.iter())
        .filter(|key| **key != wanted)
        .filter_map(|&key| {
            let lower = key.to_lowercase();
            let mut score = strsim::normalized_damerau_levenshtein(&wanted_lower, &lower);
            if lower == wanted_lower {
                score = 2.0;
            } else if stem(key) == wanted_stem {
                score = score.max(0.9);
            }
            (score >= 0.5).then_some((score, key))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored.into_iter().take(most).map(|(_, key)| key).collect()
}

/// `"a", "b" or "c"`: keys quoted as a message names them.
pub fn quoted_list(keys: &[&str]) -> String {
    let quoted: Vec<String> = keys.iter().map(|key| format!("{key:?}")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAELENS: [&str; 8] = [
        "Name",
        "hook_layer",
        "hook_name",
        "architecture",
        "d_sae",
        "k",
        "metrics/l0",
        "losses/mse_loss",
    ];

    #[test]
    fn finds_each_role_among_saelens_keys() {
        assert_eq!(lookalike(Role::Layer, &SAELENS), Some("hook_layer"));
        assert_eq!(lookalike(Role::DictSize, &SAELENS), Some("d_sae"));
        assert_eq!(lookalike(Role::Activation, &SAELENS), Some("architecture"));
        assert_eq!(lookalike(Role::K, &SAELENS), Some("k"));
        assert_eq!(lookalike(Role::L0, &SAELENS), Some("metrics/l0"));
        assert_eq!(lookalike(Role::Error, &SAELENS), Some("losses/mse_loss"));
        assert_eq!(lookalike(Role::DictSize, &["Name", "lr"]), None);
    }

    #[test]
    fn a_typo_is_nearest_to_what_was_meant() {
        assert_eq!(nearest("metrics/L0", &SAELENS, 3)[0], "metrics/l0");
        assert_eq!(nearest("losses/mse", &SAELENS, 3)[0], "losses/mse_loss");
        assert_eq!(nearest("hook_layr", &SAELENS, 3)[0], "hook_layer");
        assert!(nearest("zzzzzz", &SAELENS, 3).is_empty());
    }

    #[test]
    fn lists_read_as_a_sentence() {
        assert_eq!(quoted_list(&["a"]), "\"a\"");
        assert_eq!(quoted_list(&["a", "b", "c"]), "\"a\", \"b\" or \"c\"");
    }
}
