//! `ProjectRef`: the W&B entity and project a run belongs to, and the web page of a run.

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

/// Where an export's runs live on W&B, as far as the inputs say.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProjectRef {
    /// The user or team; unknown for an export given without `--entity`.
    pub entity: Option<String>,
    pub project: String,
    /// The web app's address (`https://wandb.ai`), when known.
    pub ui: Option<String>,
}

impl ProjectRef {
    /// The run's page, `UI/ENTITY/PROJECT/runs/ID`, when the entity, the web address and
    /// the id are all known.
    pub fn run_url(&self, id: &str) -> Option<String> {
        let prefix = self.runs_url()?;
        (!id.is_empty()).then(|| prefix + &path_segment(id))
    }

    /// `UI/ENTITY/PROJECT/runs/`, which a run's id (as `path_segment` gives it) completes,
    /// when entity and web address are known.
    pub fn runs_url(&self) -> Option<String> {
        let (entity, ui) = (self.entity.as_deref()?, self.ui.as_deref()?);
        Some(format!(
            "{ui}/{}/{}/runs/",
            path_segment(entity),
            path_segment(&self.project)
        ))
    }
}

/// What a URL path segment may not hold as it is: controls, space, anything that ends or
/// splits a segment or a URL (`/ ? # %`), and what breaks a link in markdown or HTML
/// (`( ) [ ] < > " ' \` and backquotes); non-ASCII is always encoded.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'\'')
    .add(b'(')
    .add(b')')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// `text` percent-encoded as one URL path segment: W&B ids and names are plain, so they
/// come out as they are; anything else cannot break the link it goes into.
pub fn path_segment(text: &str) -> std::borrow::Cow<'_, str> {
    utf8_percent_encode(text, SEGMENT).into()
}

/// The web app's address for an API base URL: W&B's cloud API is `api.wandb.ai` and its
/// pages `wandb.ai`; a dedicated or local server serves both from one address.
pub fn ui_of_api(base_url: &str) -> String {
    let base = base_url.trim_end_matches('/');
    let (scheme, rest) = base.split_once("://").unwrap_or(("https", base));
    let host = rest.split('/').next().unwrap_or(rest);
    let host = host
        .strip_prefix("api.")
        .filter(|h| h.contains('.'))
        .unwrap_or(host);
    format!("{scheme}://{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cloud_api_maps_to_its_web_app_and_other_servers_to_themselves() {
        assert_eq!(ui_of_api("https://api.wandb.ai"), "https://wandb.ai");
        assert_eq!(ui_of_api("https://api.wandb.ai/"), "https://wandb.ai");
        assert_eq!(
            ui_of_api("https://wandb.lab.org/graphql"),
            "https://wandb.lab.org"
        );
        assert_eq!(ui_of_api("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_eq!(ui_of_api("api.wandb.ai"), "https://wandb.ai");
    }

    #[test]
    fn a_run_url_needs_entity_web_address_and_id() {
        let mut project = ProjectRef {
            entity: Some("lab".into()),
            project: "sae".into(),
            ui: Some("https://wandb.ai".into()),
        };
        assert_eq!(
            project.run_url("3p0donj4").as_deref(),
            Some("https://wandb.ai/lab/sae/runs/3p0donj4")
        );
        assert_eq!(project.run_url(""), None);
        assert_eq!(
            project.run_url("id)3 <x>/../?#").as_deref(),
            Some("https://wandb.ai/lab/sae/runs/id%293%20%3Cx%3E%2F..%2F%3F%23")
        );
        project.entity = None;
        assert_eq!(project.run_url("3p0donj4"), None);
    }
}
