//! `runs.csv`: every normalized record, for plotting and audits, one row per run in the
//! order of `sort_key` (by run, not by input position), so that a new run adds a row and
//! moves no other.
//!
//! This is the pipeline's hot output (one row per run, millions of rows), so rows are
//! formatted straight into a reused byte buffer: integers with `itoa`, floats with
//! `pyfmt::push_repr` (Python's `repr`), fields quoted only when they need it, as the `csv`
//! crate's default writer does. The bytes are the same as writing each field with
//! `csv::Writer` and `pyfmt::repr`; a test holds it to that.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use crate::emit::pyfmt::push_repr;
use crate::model::project::ProjectRef;
use crate::model::record::{RecordSink, RunRef};

pub const FILE_NAME: &str = "runs.csv";

const HEADER: &[u8] =
    b"file,line,name,layer,activation,k,l0,error,dict_size,entity,project,run_id,state,url\n";

/// Flush the row buffer to the destination past this many bytes.
const FLUSH_AT: usize = 1 << 18;

/// Writes each run as one CSV row; the caller owns where the bytes go.
pub struct RunsCsv<W: Write> {
    out: W,
    /// The artifact's path, named in write errors.
    path: PathBuf,
    buf: Vec<u8>,
    /// The last export seen and its cells, which are the same for all its rows.
    file: Option<FileCells>,
    /// Where a run's page address is put together.
    url: Vec<u8>,
    /// How the file column names an export, when not by its label.
    rename: fn(&str) -> Option<String>,
}

/// What every row of one export shares: its name, its project and its runs' page prefix.
struct FileCells {
    name: Arc<str>,
    project: Option<Arc<ProjectRef>>,
    /// The file field's text.
    text: Vec<u8>,
    /// `,entity,project,` (each field as written).
    project_text: Vec<u8>,
    /// `UI/ENTITY/PROJECT/runs/` (unquoted), when the project says it.
    url_prefix: Option<Vec<u8>>,
}

impl FileCells {
    fn new(
        name: &Arc<str>,
        project: Option<&Arc<ProjectRef>>,
        rename: fn(&str) -> Option<String>,
    ) -> FileCells {
        let mut text = Vec::new();
        let shown = rename(name).unwrap_or_else(|| name.to_string());
        push_text(&mut text, shown.as_bytes());
        let mut project_text = vec![b','];
        let entity = project.and_then(|p| p.entity.as_deref()).unwrap_or_default();
        push_text(&mut project_text, entity.as_bytes());
        project_text.push(b',');
        push_text(
            &mut project_text,
            project.map_or("", |p| p.project.as_str()).as_bytes(),
        );
        project_text.push(b',');
        let url_prefix = project.and_then(|p| p.runs_url()).map(String::into_bytes);
        FileCells {
            name: Arc::clone(name),
            project: project.cloned(),
            text,
            project_text,
            url_prefix,
        }
    }

    fn is_for(&self, name: &Arc<str>, project: Option<&Arc<ProjectRef>>) -> bool {
        let same_name = Arc::ptr_eq(&self.name, name) || *self.name == **name;
        same_name && self.project.as_ref() == project
    }
}

impl<W: Write> RunsCsv<W> {
    /// A writer that starts with the header row.
    pub fn new(out: W) -> anyhow::Result<Self> {
        let mut writer = Self::without_header(out);
        writer.buf.extend_from_slice(HEADER);
        Ok(writer)
    }

    /// A writer of rows only, for a part that another writer's output will precede.
    pub fn without_header(out: W) -> Self {
        RunsCsv {
            out,
            path: PathBuf::from(FILE_NAME),
            buf: Vec::with_capacity(FLUSH_AT + 4096),
            file: None,
            url: Vec::new(),
            rename: |_| None,
        }
    }

    /// Names an export in the file column by `rename` of its label, where it gives a name.
    pub fn naming_files(mut self, rename: fn(&str) -> Option<String>) -> Self {
        self.rename = rename;
        self
    }

    /// Names `path` (the artifact's place in the output folder) in write errors.
    pub fn reporting_as(mut self, path: PathBuf) -> Self {
        self.path = path;
        self
    }

    /// Flushes and hands back the destination.
    pub fn finish(mut self) -> anyhow::Result<W> {
        self.flush()?;
        self.out
            .flush()
            .map_err(|e| crate::error::output_error(&self.path, &e))?;
        Ok(self.out)
    }

    fn flush(&mut self) -> anyhow::Result<()> {
        self.out
            .write_all(&self.buf)
            .map_err(|e| crate::error::output_error(&self.path, &e))?;
        self.buf.clear();
        Ok(())
    }

    /// Makes `self.file` hold this export's cells.
    fn remember_file(&mut self, file: &Arc<str>, project: Option<&Arc<ProjectRef>>) {
        if !self
            .file
            .as_ref()
            .is_some_and(|cells| cells.is_for(file, project))
        {
            self.file = Some(FileCells::new(file, project, self.rename));
        }
    }

    /// Appends `run`'s row to `buf`.
    pub fn push_row(&mut self, run: &RunRef<'_>, buf: &mut Vec<u8>) {
        self.remember_file(run.file, run.project);
        let RunsCsv { file, url, .. } = self;
        let file = file.as_ref().expect("remembered just now");
        buf.extend_from_slice(&file.text);
        let mut ints = itoa::Buffer::new();
        buf.push(b',');
        buf.extend_from_slice(ints.format(run.line).as_bytes());
        buf.push(b',');
        push_text(buf, run.name.as_bytes());
        buf.push(b',');
        buf.extend_from_slice(ints.format(run.layer).as_bytes());
        buf.push(b',');
        push_text(buf, run.activation.as_bytes());
        buf.push(b',');
        buf.extend_from_slice(ints.format(run.k).as_bytes());
        buf.push(b',');
        push_repr(buf, run.l0);
        buf.push(b',');
        push_repr(buf, run.error);
        buf.push(b',');
        if let Some(d) = run.dict_size {
            buf.extend_from_slice(ints.format(d).as_bytes());
        }
        buf.extend_from_slice(&file.project_text);
        push_text(buf, run.id.as_bytes());
        buf.push(b',');
        push_text(buf, run.state.as_bytes());
        buf.push(b',');
        if let (Some(prefix), false) = (&file.url_prefix, run.id.is_empty()) {
            url.clear();
            url.extend_from_slice(prefix);
            url.extend_from_slice(crate::model::project::path_segment(run.id).as_bytes());
            push_text(buf, url);
        }
        buf.push(b'\n');
    }
}

impl<W: Write> RecordSink for RunsCsv<W> {
    fn accept(&mut self, run: &RunRef<'_>) -> anyhow::Result<()> {
        let mut buf = std::mem::take(&mut self.buf);
        self.push_row(run, &mut buf);
        self.buf = buf;
        if self.buf.len() >= FLUSH_AT {
            self.flush()?;
        }
        Ok(())
    }
}

/// Appends the key runs.csv's rows are sorted by: the run's id, its entity and project
/// (the same id in two projects is two runs), then (for runs without an id, or one id given
/// twice) its name, its export (by position) and line; each text encoded so that the bytes
/// compare as the texts do, field after field. The id comes first: its first bytes decide
/// most comparisons, where a project's name would be the same in every key.
pub fn sort_key(run: &RunRef<'_>, key: &mut Vec<u8>) {
    let entity = run.project.and_then(|p| p.entity.as_deref()).unwrap_or_default();
    let project = run.project.map_or("", |p| p.project.as_str());
    for text in [run.id, entity, project, run.name] {
        push_key_text(key, text.as_bytes());
    }
    key.extend_from_slice(&run.source.to_be_bytes());
    key.extend_from_slice(&run.line.to_be_bytes());
}

/// `text` with each 0 byte doubled as `0 255`, ended by `0 1`: a shorter text sorts before
/// the longer ones it starts, and no text's end is read as part of the next field.
fn push_key_text(key: &mut Vec<u8>, text: &[u8]) {
    if memchr::memchr(0, text).is_none() {
        key.extend_from_slice(text);
    } else {
        for &b in text {
            key.push(b);
            if b == 0 {
                key.push(255);
            }
        }
    }
    key.extend_from_slice(&[0, 1]);
}

/// Bytes that a field must be quoted for (the `csv` crate's default writer: delimiter,
/// quote, and both line-break bytes).
const fn special_bytes() -> [bool; 256] {
    let mut table = [false; 256];
    table[b',' as usize] = true;
    table[b'"' as usize] = true;
    table[b'\r' as usize] = true;
    table[b'\n' as usize] = true;
    table
}

static SPECIAL: [bool; 256] = special_bytes();

/// A text field, quoted (quotes doubled) only when it holds a special byte.
fn push_text(buf: &mut Vec<u8>, text: &[u8]) {
    if !text.iter().any(|&b| SPECIAL[b as usize]) {
        buf.extend_from_slice(text);
        return;
    }
    buf.push(b'"');
    for &b in text {
        if b == b'"' {
            buf.push(b'"');
        }
        buf.push(b);
    }
    buf.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::pyfmt::repr;

    #[test]
    fn rows_match_the_csv_crate_writer() {
        let file: Arc<str> = "dir/a,b \"x\".csv".into();
        let projects = [
            None,
            Some(Arc::new(ProjectRef {
                entity: Some("lab, \"x\"".into()),
                project: "sae".into(),
                ui: Some("https://wandb.ai".into()),
            })),
        ];
        let mut ours = RunsCsv::new(Vec::new()).unwrap();
        let mut theirs = csv::Writer::from_writer(Vec::new());
        theirs
            .write_record(HEADER.strip_suffix(b"\n").unwrap().split(|&b| b == b','))
            .unwrap();
        let names = [
            "blocks.6.x_12288_topk_64_0.0",
            "we,ird_\"q\"_1_0",
            "line\nbreak_a_2_0",
            "",
        ];
        for (i, name) in names.iter().enumerate() {
            let run = RunRef {
                name,
                layer: -(i as i64),
                activation: if i == 1 { "a,b" } else { "topk" },
                k: i as i64 * 1000,
                l0: 1.0 / (i as f64 + 0.5),
                error: if i == 2 { f64::NAN } else { 1e-5 * i as f64 },
                dict_size: (i % 2 == 0).then_some(12288),
                id: ["", "3p0donj4", "a,b", "x"][i],
                state: ["", "finished", "run\"ning", ""][i],
                file: &file,
                source: 0,
                line: i as u64 + 2,
                project: projects[usize::from(i > 0)].as_ref(),
            };
            ours.accept(&run).unwrap();
            theirs.write_record(csv_crate_record(&run)).unwrap();
        }
        assert_eq!(
            String::from_utf8(ours.finish().unwrap()).unwrap(),
            String::from_utf8(theirs.into_inner().unwrap()).unwrap()
        );
    }

    #[test]
    fn the_sort_key_orders_runs_as_their_fields_compare_one_after_another() {
        let file: Arc<str> = "a.csv".into();
        let project = |entity: &str, name: &str| {
            Some(Arc::new(ProjectRef {
                entity: Some(entity.into()),
                project: name.into(),
                ui: None,
            }))
        };
        let projects = [
            project("lab", "sae"),
            project("lab", "sae-2"),
            project("lab\0", ""),
        ];
        // (id, project, name, export, line), in the order the fields would sort them.
        let runs = [
            ("", 0, "b", 0, 9),
            ("", 0, "b\0", 0, 2),
            ("", 0, "ba", 0, 1),
            ("", 1, "", 0, 1),
            ("", 2, "", 0, 1),
            ("a", 0, "z", 0, 5),
            ("a", 0, "z", 0, 6),
            ("a", 0, "z", 1, 1),
            ("a", 1, "", 0, 1),
            ("a\0", 0, "", 0, 1),
            ("ab", 0, "", 0, 1),
        ];
        let keys: Vec<Vec<u8>> = (runs.iter())
            .map(|&(id, p, name, source, line)| {
                let mut run = RunRef::plain(name, &file, line, 6, "topk", 1.0, 0.1);
                run.id = id;
                run.project = projects[p].as_ref();
                run.source = source;
                let mut key = Vec::new();
                sort_key(&run, &mut key);
                key
            })
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(sorted, keys);
    }

    /// The record the csv crate's writer is given for `run`.
    fn csv_crate_record(run: &RunRef<'_>) -> Vec<String> {
        let project = run.project.map(|p| p.as_ref().clone()).unwrap_or_default();
        let dict = run.dict_size.map(|d| d.to_string()).unwrap_or_default();
        vec![
            run.file.to_string(),
            run.line.to_string(),
            run.name.to_string(),
            run.layer.to_string(),
            run.activation.to_string(),
            run.k.to_string(),
            repr(run.l0),
            repr(run.error),
            dict,
            project.entity.clone().unwrap_or_default(),
            project.project.clone(),
            run.id.to_string(),
            run.state.to_string(),
            project.run_url(run.id).unwrap_or_default(),
        ]
    }
}
