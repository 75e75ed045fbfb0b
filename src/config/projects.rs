//! `--project [ENTITY/]NAME`, repeatable: the W&B projects one table is made of.

use crate::error::{fail, Kind};

/// One project to fetch or replay; its entity when the path names one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectName {
    pub entity: Option<String>,
    pub name: String,
}

impl ProjectName {
    /// Parses `NAME` or `ENTITY/NAME` (as W&B's paths write them).
    pub fn parse(text: &str) -> anyhow::Result<ProjectName> {
        let (entity, name) = match text.split_once('/') {
            Some((entity, name)) => (Some(entity.to_string()), name),
            None => (None, text),
        };
        let plain = |part: &str| !part.is_empty() && !part.contains(['/', '\\', '\0']);
        if !plain(name) || !entity.as_deref().is_none_or(plain) {
            return fail(
                Kind::Usage,
                format!("--project {text:?}: give NAME or ENTITY/NAME, e.g. --project my-lab/sae-sweeps"),
            );
        }
        Ok(ProjectName {
            entity,
            name: name.to_string(),
        })
    }

    /// The entity the project is fetched from: its own, else `default`.
    pub fn entity_or<'a>(&'a self, default: Option<&'a str>) -> Option<&'a str> {
        self.entity.as_deref().or(default)
    }
}

/// Every `--project` parsed, in order; the same project named twice is one project.
pub fn parse_all(texts: &[String]) -> anyhow::Result<Vec<ProjectName>> {
    let projects = (texts.iter())
        .map(|text| ProjectName::parse(text))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(one_each(projects, None))
}

/// `projects` with each one kept once, where it is first named: `lab/sweep` and `sweep`
/// under the default entity `lab` are the same project, and fetching it twice would count
/// every run twice.
pub fn one_each(projects: Vec<ProjectName>, default_entity: Option<&str>) -> Vec<ProjectName> {
    let mut kept: Vec<ProjectName> = Vec::with_capacity(projects.len());
    for project in projects {
        let same = |other: &ProjectName| {
            other.name == project.name && other.entity_or(default_entity) == project.entity_or(default_entity)
        };
        if !kept.iter().any(same) {
            kept.push(project);
        }
    }
    kept
}

/// The default output folder's name for `projects`: the one name, or the names joined by `+`.
pub fn folder_name(projects: &[ProjectName]) -> String {
    let names: Vec<&str> = projects.iter().map(|p| p.name.as_str()).collect();
    names.join("+")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_an_entity_and_bad_ones_are_usage_errors() {
        let bare = ProjectName::parse("sae").unwrap();
        assert_eq!((bare.entity.as_deref(), bare.name.as_str()), (None, "sae"));
        let full = ProjectName::parse("lab/sae").unwrap();
        assert_eq!((full.entity.as_deref(), full.name.as_str()), (Some("lab"), "sae"));
        assert_eq!(full.entity_or(Some("other")), Some("lab"));
        for bad in ["", "/sae", "lab/", "a/b/c"] {
            assert!(ProjectName::parse(bad).is_err(), "{bad:?}");
        }
        let twice = parse_all(&["a".into(), "b".into(), "a".into()]).unwrap();
        assert_eq!(folder_name(&twice), "a+b");
        let spelled_twice = vec![
            ProjectName::parse("lab/a").unwrap(),
            ProjectName::parse("a").unwrap(),
        ];
        assert_eq!(one_each(spelled_twice.clone(), Some("lab")).len(), 1);
        assert_eq!(one_each(spelled_twice, Some("other")).len(), 2);
        let both = parse_all(&["lab/a".into(), "b".into()]).unwrap();
        assert_eq!(folder_name(&both), "a+b");
    }
}
