//! The runs a fake server serves: plain data (`Dataset`, `FakeRun`), a clock for new
//! timestamps, and a shared handle to change them while the server runs.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

use base64::Engine;

use super::count_index::CountIndex;
use super::filters::Filter;
use super::state::lock;
use super::values::SummaryValue;

/// One W&B run, as stored (config values unwrapped; the server wraps them in `{"value": ..}`).
#[derive(Clone, Debug, PartialEq)]
pub struct FakeRun {
    /// The 8-character run id (`3p0donj4`); GraphQL `name`.
    pub name: String,
    /// The human name; GraphQL `displayName`, the UI's "Name" column.
    pub display_name: String,
    /// `finished`, `running`, `crashed`, `failed`, `killed`, `pending`.
    pub state: String,
    /// `2025-03-27T13:59:12` (UTC, no zone).
    pub created_at: String,
    pub heartbeat_at: Option<String>,
    /// When the run's record last changed (state, summary, config), as W&B's `updatedAt`:
    /// moved forward by `set_state`, `set_summary` and `update_run`.
    pub updated_at: Option<String>,
    pub config: BTreeMap<String, serde_json::Value>,
    pub summary: BTreeMap<String, SummaryValue>,
    pub tags: Vec<String>,
    pub group: Option<String>,
    pub job_type: Option<String>,
    pub sweep_name: Option<String>,
    pub notes: Option<String>,
    /// The username that created the run.
    pub user: Option<String>,
}

impl FakeRun {
    /// A finished run with empty config and summary.
    pub fn new(name: &str, display_name: &str, created_at: &str) -> FakeRun {
        FakeRun {
            name: name.into(),
            display_name: display_name.into(),
            state: "finished".into(),
            created_at: created_at.into(),
            heartbeat_at: Some(created_at.into()),
            updated_at: Some(created_at.into()),
            config: BTreeMap::new(),
            summary: BTreeMap::new(),
            tags: Vec::new(),
            group: None,
            job_type: None,
            sweep_name: None,
            notes: None,
            user: None,
        }
    }

    /// The opaque GraphQL node id: base64 of `Run:v1:<name>:<project>`.
    pub fn node_id(&self, project: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(format!("Run:v1:{}:{}", self.name, project))
    }

    /// `config.layer` as an integer, when it is one.
    pub fn layer(&self) -> Option<i64> {
        let v = self.config.get("layer")?;
        v.as_i64()
            .or_else(|| v.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
    }
}

/// All runs of a fake W&B project, in insertion order (the generator inserts in created order).
/// Each run is shared (`Arc`), so a page hands its runs to the response without copying
/// their config and summary; a change copies the one run it touches.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dataset {
    pub runs: Vec<Arc<FakeRun>>,
    /// The latest timestamp handed out or seen, in seconds since the epoch.
    pub(super) clock: i64,
    /// Set once a run was pushed before one created earlier (by createdAt, then name): then
    /// a page is found by filtering and sorting every run, not by binary search.
    pub(super) out_of_created_order: bool,
}

impl Dataset {
    pub fn new() -> Dataset {
        Dataset::default()
    }

    pub fn from_runs(runs: Vec<FakeRun>) -> Dataset {
        let mut ds = Dataset::new();
        for run in runs {
            ds.push(run);
        }
        ds
    }

    /// Whether the runs are sorted by (createdAt, name), as a generated project's are.
    pub fn in_created_order(&self) -> bool {
        !self.out_of_created_order
    }

    pub fn len(&self) -> usize {
        self.runs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// Appends a run (its timestamps move the clock forward).
    pub fn push(&mut self, run: FakeRun) {
        self.see(&run);
        if let Some(last) = self.runs.last() {
            self.out_of_created_order |= (&last.created_at, &last.name) > (&run.created_at, &run.name);
        }
        self.runs.push(Arc::new(run));
    }

    /// Moves the clock up to the run's timestamps.
    fn see(&mut self, run: &FakeRun) {
        let stamps = [
            Some(&run.created_at),
            run.heartbeat_at.as_ref(),
            run.updated_at.as_ref(),
        ];
        for t in stamps.into_iter().flatten().filter_map(|ts| parse_timestamp(ts)) {
            self.clock = self.clock.max(t);
        }
    }

    /// A timestamp one second after every timestamp seen so far (strictly increasing).
    pub fn next_timestamp(&mut self) -> String {
        if self.clock == 0 {
            self.clock = parse_timestamp(DEFAULT_START).expect("valid default start");
        }
        self.clock += 1;
        format_timestamp(self.clock)
    }

    pub fn get(&self, name: &str) -> Option<&FakeRun> {
        self.runs.iter().find(|r| r.name == name).map(|r| &**r)
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut FakeRun> {
        self.runs.iter_mut().find(|r| r.name == name).map(Arc::make_mut)
    }

    /// Runs whose `config.layer` is one of `layers`, in dataset order.
    pub fn runs_of_layers<'a>(&'a self, layers: &'a [i64]) -> impl Iterator<Item = &'a FakeRun> {
        self.runs
            .iter()
            .map(|r| &**r)
            .filter(move |r| r.layer().is_some_and(|l| layers.contains(&l)))
    }

    /// Sets a run's state, as its process would: `heartbeat_at` and `updated_at` move to now;
    /// false when no such run.
    pub fn set_state(&mut self, name: &str, state: &str) -> bool {
        self.beat(name, |run| run.state = state.into())
    }

    /// Sets one summary key, as a running process would: `heartbeat_at` and `updated_at`
    /// move to now; false when no such run. (An eval script's later change to a finished
    /// run moves only `updated_at`: `update_run`.)
    pub fn set_summary(&mut self, name: &str, key: &str, value: SummaryValue) -> bool {
        self.beat(name, |run| {
            run.summary.insert(key.into(), value);
        })
    }

    /// `update_run`, then `heartbeat_at` = `updated_at`.
    fn beat(&mut self, name: &str, f: impl FnOnce(&mut FakeRun)) -> bool {
        if !self.update_run(name, f) {
            return false;
        }
        let run = self.get_mut(name).expect("just updated");
        run.heartbeat_at = run.updated_at.clone();
        true
    }

    /// Applies `f` to the named run (its state, summary, config...), then stamps the record
    /// as changed now (`updated_at`, as W&B's server does on every write), unless `f` set
    /// `updated_at` itself; false when no such run.
    pub fn update_run(&mut self, name: &str, f: impl FnOnce(&mut FakeRun)) -> bool {
        let now = self.next_timestamp();
        let Some(run) = self.get_mut(name) else {
            return false;
        };
        let before = run.updated_at.clone();
        f(run);
        if run.updated_at == before {
            run.updated_at = Some(now);
        }
        let stamp = run.updated_at.as_deref().and_then(parse_timestamp);
        self.clock = self.clock.max(stamp.unwrap_or(0));
        true
    }

    pub fn remove(&mut self, name: &str) -> Option<FakeRun> {
        let i = self.runs.iter().position(|r| r.name == name)?;
        Some(Arc::unwrap_or_clone(self.runs.remove(i)))
    }
}

/// Shared, mutable access to a running server's dataset, with the index its counts use.
#[derive(Clone, Debug, Default)]
pub struct DatasetHandle {
    data: Arc<RwLock<Dataset>>,
    counts: Arc<Mutex<CountIndex>>,
}

impl DatasetHandle {
    pub fn new(ds: Dataset) -> DatasetHandle {
        DatasetHandle {
            data: Arc::new(RwLock::new(ds)),
            counts: Arc::default(),
        }
    }

    /// Do not hold across an `.await`: the server blocks on it.
    pub fn read(&self) -> RwLockReadGuard<'_, Dataset> {
        self.data.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Do not hold across an `.await`: the server blocks on it. Forgets the counts: the
    /// runs may change.
    pub fn write(&self) -> RwLockWriteGuard<'_, Dataset> {
        let ds = self.data.write().unwrap_or_else(|e| e.into_inner());
        lock(&self.counts).clear();
        ds
    }

    /// How many runs of `ds`, this handle's data as `read` gave it, match `filter`.
    pub(super) fn count(&self, ds: &Dataset, filter: &Filter) -> usize {
        lock(&self.counts).count(ds, filter)
    }

    pub fn with<R>(&self, f: impl FnOnce(&Dataset) -> R) -> R {
        f(&self.read())
    }

    pub fn with_mut<R>(&self, f: impl FnOnce(&mut Dataset) -> R) -> R {
        f(&mut self.write())
    }

    /// A copy of the current data.
    pub fn snapshot(&self) -> Dataset {
        self.read().clone()
    }

    pub fn len(&self) -> usize {
        self.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }

    pub fn add_run(&self, run: FakeRun) {
        self.write().push(run);
    }

    pub fn add_runs(&self, runs: impl IntoIterator<Item = FakeRun>) {
        let mut ds = self.write();
        for run in runs {
            ds.push(run);
        }
    }

    pub fn set_state(&self, name: &str, state: &str) -> bool {
        self.write().set_state(name, state)
    }

    pub fn set_summary(&self, name: &str, key: &str, value: SummaryValue) -> bool {
        self.write().set_summary(name, key, value)
    }

    pub fn remove(&self, name: &str) -> Option<FakeRun> {
        self.write().remove(name)
    }

    /// Applies `f` to the named run and stamps it as changed (see `Dataset::update_run`);
    /// false when no such run.
    pub fn update_run(&self, name: &str, f: impl FnOnce(&mut FakeRun)) -> bool {
        self.write().update_run(name, f)
    }
}

/// Where generated timestamps start: the seed exports' day.
pub const DEFAULT_START: &str = "2025-03-27T13:59:12";

/// `YYYY-MM-DDTHH:MM:SS` (fractions and a trailing `Z` ignored) to seconds since the epoch.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let s = s.trim_end_matches('Z');
    let (date, time) = s.split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let time = time.split('.').next()?;
    let mut t = time.split(':').map(|p| p.parse::<i64>().ok());
    let (hh, mm, ss) = (t.next()??, t.next()??, t.next()??);
    Some(days_from_civil(y, m, day) * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// Seconds since the epoch to `YYYY-MM-DDTHH:MM:SS`.
pub fn format_timestamp(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

// Howard Hinnant's proleptic Gregorian day-count algorithms.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}
