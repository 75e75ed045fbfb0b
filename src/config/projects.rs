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

/// Every `--project` parsed, each named once.
pub fn parse_all(texts: &[String]) -> anyhow::Result<Vec<ProjectName>> {
    let mut projects: Vec<ProjectName> = Vec::new();
    for text in texts {
        let project = ProjectName::parse(text)?;
        if projects.contains(&project) {
            return fail(Kind::Usage, format!("--project {text} is given twice"));
        }
        projects.push(project);
    }
    Ok(projects)
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
        let twice = parse_all(&["a".into(), "b".into(), "a".into()]);
        assert!(twice.unwrap_err().to_string().contains("given twice"));
        let both = parse_all(&["lab/a".into(), "b".into()]).unwrap();
        assert_eq!(folder_name(&both), "a+b");
    }
}
