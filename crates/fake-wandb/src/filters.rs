//! MongoDB-style run filters as W&B's `filters:` argument takes them: compiled once per
//! request (unknown operators and fields are errors), then tested against each run.

use serde_json::Value as J;

use super::dataset::FakeRun;
use super::real_backend::{RealBackend, UpdatedAtFilter};
use super::values::SummaryValue as V;

#[derive(Debug)]
pub enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Nor(Vec<Filter>),
    Field(Field, Vec<Cond>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Name,
    DisplayName,
    State,
    CreatedAt,
    HeartbeatAt,
    UpdatedAt,
    Tags,
    Group,
    JobType,
    Sweep,
    /// Path after `config.` (a `.value` right after the key is dropped when matching).
    Config(KeyPath),
    /// Path after `summary_metrics.`.
    Summary(KeyPath),
}

/// A dotted path into a run's config or summary, whose keys may themselves hold dots: the
/// longest prefix that is a key names the value, the rest walks into it. The prefixes are
/// joined once, when the filter is compiled, not once per run.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyPath {
    parts: Vec<String>,
    /// `parts[..n].join(".")` for n from `parts.len()` down to 1.
    prefixes: Vec<String>,
}

impl KeyPath {
    fn new(rest: &str) -> KeyPath {
        let parts: Vec<String> = rest.split('.').map(String::from).collect();
        let prefixes = (1..=parts.len()).rev().map(|n| parts[..n].join(".")).collect();
        KeyPath { parts, prefixes }
    }

    /// A path read as the real backend reads it: the first part is the key, the rest
    /// walks into its value (a key with a dot in its name is never found).
    fn nested(rest: &str) -> KeyPath {
        let parts: Vec<String> = rest.split('.').map(String::from).collect();
        let prefixes = vec![parts[0].clone()];
        KeyPath { parts, prefixes }
    }

    /// The value under the longest prefix that `get` finds, and the parts after it.
    fn find<'a, T>(&self, get: impl Fn(&str) -> Option<&'a T>) -> Option<(&'a T, &[String])> {
        self.prefixes
            .iter()
            .zip((1..=self.parts.len()).rev())
            .find_map(|(key, n)| get(key).map(|value| (value, &self.parts[n..])))
    }
}

#[derive(Debug)]
pub enum Cond {
    Eq(V),
    Ne(V),
    Gt(V),
    Gte(V),
    Lt(V),
    Lte(V),
    In(Vec<V>),
    Nin(Vec<V>),
    Exists(bool),
    Regex(regex::Regex),
    Not(Vec<Cond>),
}

/// Compiles the `filters` JSON string (`None`, `""` and `"{}"` match every run).
#[cfg(test)]
pub fn parse_filters(text: Option<&str>) -> Result<Filter, String> {
    parse_filters_as(text, &RealBackend::default())
}

/// `parse_filters` as a backend with `real`'s behaviours reads the filter.
pub fn parse_filters_as(text: Option<&str>, real: &RealBackend) -> Result<Filter, String> {
    let text = text.map(str::trim).unwrap_or("");
    if text.is_empty() || text == "null" {
        return Ok(Filter::And(vec![]));
    }
    let v: J = serde_json::from_str(text).map_err(|e| format!("invalid filters JSON: {e}"))?;
    compile(&v, real)
}

fn compile(v: &J, real: &RealBackend) -> Result<Filter, String> {
    let obj = v
        .as_object()
        .ok_or_else(|| format!("invalid filters: expected an object, got {v}"))?;
    let mut parts = Vec::new();
    for (k, val) in obj {
        match k.as_str() {
            "$and" | "$or" | "$nor" => {
                let arr = val
                    .as_array()
                    .ok_or_else(|| format!("invalid filters: {k} needs an array"))?;
                let subs = (arr.iter())
                    .map(|sub| compile(sub, real))
                    .collect::<Result<Vec<_>, _>>()?;
                parts.push(match k.as_str() {
                    "$and" => Filter::And(subs),
                    "$or" => Filter::Or(subs),
                    _ => Filter::Nor(subs),
                });
            }
            op if op.starts_with('$') => return Err(format!("invalid filters: unknown operator {op}")),
            _ => {
                let field = parse_field(k, real)?;
                let mut conds = compile_conds(val)?;
                if field == Field::UpdatedAt && real.updated_at_filter == UpdatedAtFilter::MatchesNothing {
                    // Accepted, and true of no run: an `$or` of nothing.
                    parts.push(Filter::Or(Vec::new()));
                    continue;
                }
                if field.is_time() {
                    conds.iter_mut().for_each(Cond::drop_zone);
                }
                parts.push(Filter::Field(field, conds));
            }
        }
    }
    Ok(match parts.len() {
        1 => parts.pop().expect("one part"),
        _ => Filter::And(parts),
    })
}

fn parse_field(k: &str, real: &RealBackend) -> Result<Field, String> {
    let path = |rest: &str| match real.nested_dotted_keys {
        true => KeyPath::nested(rest),
        false => KeyPath::new(rest),
    };
    Ok(match k {
        "name" => Field::Name,
        "displayName" | "display_name" => Field::DisplayName,
        "state" => Field::State,
        "createdAt" | "created_at" => Field::CreatedAt,
        "heartbeatAt" | "heartbeat_at" => Field::HeartbeatAt,
        "updatedAt" | "updated_at" => Field::UpdatedAt,
        "tags" => Field::Tags,
        "group" => Field::Group,
        "jobType" | "job_type" => Field::JobType,
        "sweep" | "sweepName" => Field::Sweep,
        _ => {
            if let Some(rest) = k.strip_prefix("config.").filter(|r| !r.is_empty()) {
                Field::Config(path(rest))
            } else if let Some(rest) = k
                .strip_prefix("summary_metrics.")
                .or_else(|| k.strip_prefix("summaryMetrics."))
                .filter(|r| !r.is_empty())
            {
                Field::Summary(path(rest))
            } else {
                return Err(format!("invalid filters: unknown field {k:?}"));
            }
        }
    })
}

impl Field {
    /// A timestamp, stored as `2025-03-27T13:59:12` (UTC, no zone).
    fn is_time(&self) -> bool {
        matches!(self, Field::CreatedAt | Field::HeartbeatAt | Field::UpdatedAt)
    }
}

impl Cond {
    /// Reads `2025-03-27T13:59:12Z` as the UTC time it names, as the server parses it:
    /// stored timestamps carry no zone, so the `Z` goes. (Fractions compare in place.)
    fn drop_zone(&mut self) {
        let drop = |v: &mut V| {
            if let V::Str(s) = v {
                if let Some(bare) = s.strip_suffix('Z') {
                    *s = bare.to_string();
                }
            }
        };
        match self {
            Cond::Eq(v) | Cond::Ne(v) | Cond::Gt(v) | Cond::Gte(v) | Cond::Lt(v) | Cond::Lte(v) => drop(v),
            Cond::In(vs) | Cond::Nin(vs) => vs.iter_mut().for_each(drop),
            Cond::Not(cs) => cs.iter_mut().for_each(Cond::drop_zone),
            Cond::Exists(_) | Cond::Regex(_) => {}
        }
    }
}

fn compile_conds(v: &J) -> Result<Vec<Cond>, String> {
    let Some(obj) = v.as_object().filter(|o| o.keys().any(|k| k.starts_with('$'))) else {
        return Ok(vec![Cond::Eq(V::from_json(v))]);
    };
    if let Some(k) = obj.keys().find(|k| !k.starts_with('$')) {
        return Err(format!("invalid filters: {k:?} mixed with operators"));
    }
    let list = |op: &str, arg: &J| -> Result<Vec<V>, String> {
        arg.as_array()
            .map(|a| a.iter().map(V::from_json).collect())
            .ok_or_else(|| format!("invalid filters: {op} needs an array"))
    };
    let mut conds = Vec::new();
    for (op, arg) in obj {
        conds.push(match op.as_str() {
            "$eq" => Cond::Eq(V::from_json(arg)),
            "$ne" => Cond::Ne(V::from_json(arg)),
            "$gt" => Cond::Gt(V::from_json(arg)),
            "$gte" => Cond::Gte(V::from_json(arg)),
            "$lt" => Cond::Lt(V::from_json(arg)),
            "$lte" => Cond::Lte(V::from_json(arg)),
            "$in" => Cond::In(list(op, arg)?),
            "$nin" => Cond::Nin(list(op, arg)?),
            "$exists" => Cond::Exists(match arg {
                J::Bool(b) => *b,
                J::Number(n) => n.as_f64() != Some(0.0),
                _ => return Err("invalid filters: $exists needs a boolean".into()),
            }),
            "$regex" => {
                let pat = arg.as_str().ok_or("invalid filters: $regex needs a string")?;
                let flags = obj.get("$options").and_then(J::as_str).unwrap_or("");
                let pat = if flags.contains('i') {
                    format!("(?i){pat}")
                } else {
                    pat.to_string()
                };
                Cond::Regex(regex::Regex::new(&pat).map_err(|e| format!("invalid filters: $regex: {e}"))?)
            }
            "$options" => continue,
            "$not" => Cond::Not(compile_conds(arg)?),
            other => return Err(format!("invalid filters: unknown operator {other}")),
        });
    }
    Ok(conds)
}

impl Filter {
    /// The `createdAt` conditions every match meets: those at the top level, within
    /// `$and`s. A server with its runs in creation order need only look between them.
    pub fn created_at_conds(&self) -> Vec<&Cond> {
        match self {
            Filter::And(fs) => fs.iter().flat_map(Filter::created_at_conds).collect(),
            Filter::Field(Field::CreatedAt, conds) => conds.iter().collect(),
            _ => Vec::new(),
        }
    }

    /// `matches` without the conditions `created_at_conds` lists: for a run known to meet
    /// them (one inside the created-order window they cut).
    pub fn matches_past_created_at(&self, run: &FakeRun) -> bool {
        match self {
            Filter::And(fs) => fs.iter().all(|f| f.matches_past_created_at(run)),
            Filter::Field(Field::CreatedAt, _) => true,
            other => other.matches(run),
        }
    }

    /// Text naming what `matches_past_created_at` tests: filters with the same key give
    /// every run the same verdict (the parts are written with `Debug`, exact for floats).
    pub fn past_created_at_key(&self) -> String {
        fn parts<'a>(filter: &'a Filter, out: &mut Vec<&'a Filter>) {
            match filter {
                Filter::And(fs) => fs.iter().for_each(|f| parts(f, out)),
                Filter::Field(Field::CreatedAt, _) => {}
                other => out.push(other),
            }
        }
        let mut out = Vec::new();
        parts(self, &mut out);
        format!("{out:?}")
    }

    pub fn matches(&self, run: &FakeRun) -> bool {
        match self {
            Filter::And(fs) => fs.iter().all(|f| f.matches(run)),
            Filter::Or(fs) => fs.iter().any(|f| f.matches(run)),
            Filter::Nor(fs) => !fs.iter().any(|f| f.matches(run)),
            Filter::Field(field, conds) => {
                let v = field_value(run, field);
                conds.iter().all(|c| test(c, v.as_ref()))
            }
        }
    }
}

fn opt_str(s: &Option<String>) -> Option<V> {
    s.as_ref().map(|s| V::Str(s.clone()))
}

/// The run's value for a field; `None` when absent (or null).
fn field_value(run: &FakeRun, field: &Field) -> Option<V> {
    match field {
        Field::Name => Some(V::Str(run.name.clone())),
        Field::DisplayName => Some(V::Str(run.display_name.clone())),
        Field::State => Some(V::Str(run.state.clone())),
        Field::CreatedAt => Some(V::Str(run.created_at.clone())),
        Field::HeartbeatAt => opt_str(&run.heartbeat_at),
        Field::UpdatedAt => opt_str(&run.updated_at),
        Field::Tags => Some(V::List(run.tags.iter().map(|t| V::Str(t.clone())).collect())),
        Field::Group => opt_str(&run.group),
        Field::JobType => opt_str(&run.job_type),
        Field::Sweep => opt_str(&run.sweep_name),
        Field::Config(path) => {
            let (value, rest) = path.find(|k| run.config.get(k))?;
            let rest = match rest.first() {
                Some(first) if first == "value" => &rest[1..],
                _ => rest,
            };
            V::from_json(value).get_path(rest).cloned()
        }
        Field::Summary(path) => {
            let (value, rest) = path.find(|k| run.summary.get(k))?;
            value.get_path(rest).cloned()
        }
    }
}

fn test(cond: &Cond, v: Option<&V>) -> bool {
    use std::cmp::Ordering::*;
    match cond {
        Cond::Exists(want) => v.is_some() == *want,
        Cond::Eq(x) => eq_match(v, x),
        Cond::Ne(x) => !eq_match(v, x),
        Cond::In(xs) => xs.iter().any(|x| eq_match(v, x)),
        Cond::Nin(xs) => !xs.iter().any(|x| eq_match(v, x)),
        Cond::Gt(x) => ord_match(v, x, |o| o == Greater),
        Cond::Gte(x) => ord_match(v, x, |o| o != Less),
        Cond::Lt(x) => ord_match(v, x, |o| o == Less),
        Cond::Lte(x) => ord_match(v, x, |o| o != Greater),
        Cond::Regex(re) => any_elem(v, |e| matches!(e, V::Str(s) if re.is_match(s))),
        Cond::Not(cs) => !cs.iter().all(|c| test(c, v)),
    }
}

/// Mongo array semantics: a condition on an array field holds if it holds for an element.
fn any_elem(v: Option<&V>, f: impl Fn(&V) -> bool) -> bool {
    match v {
        None => false,
        Some(V::List(items)) => f(v.expect("some")) || items.iter().any(f),
        Some(v) => f(v),
    }
}

fn eq_match(v: Option<&V>, x: &V) -> bool {
    match v {
        None | Some(V::Null) => matches!(x, V::Null),
        Some(_) => any_elem(v, |e| e.loose_eq(x)),
    }
}

/// Whether `run`'s `createdAt` meets `cond`.
pub fn created_at_holds(cond: &Cond, run: &FakeRun) -> bool {
    test(cond, Some(&V::Str(run.created_at.clone())))
}

fn ord_match(v: Option<&V>, x: &V, ok: impl Fn(std::cmp::Ordering) -> bool) -> bool {
    any_elem(v, |e| e.loose_cmp(x).is_some_and(&ok))
}

/// The layers a filter names through `config.layer` (bare value, `$eq`, `$in`), anywhere in
/// it; used by the `RunsPage { layer }` fault trigger.
pub fn mentioned_layers(filters: &str) -> Vec<i64> {
    let mut out = Vec::new();
    if let Ok(v) = serde_json::from_str::<J>(filters) {
        collect_layers(&v, &mut out);
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn collect_layers(v: &J, out: &mut Vec<i64>) {
    let as_layer = |v: &J| {
        v.as_i64()
            .or_else(|| v.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
    };
    match v {
        J::Array(items) => items.iter().for_each(|i| collect_layers(i, out)),
        J::Object(obj) => {
            for (k, val) in obj {
                if k == "config.layer" || k == "config.layer.value" {
                    let ops = val.as_object();
                    let candidates: Vec<&J> = match ops {
                        Some(o) => o
                            .iter()
                            .filter(|(op, _)| *op == "$eq" || *op == "$in")
                            .flat_map(|(_, a)| {
                                a.as_array()
                                    .map(|a| a.iter().collect())
                                    .unwrap_or_else(|| vec![a])
                            })
                            .collect(),
                        None => vec![val],
                    };
                    out.extend(candidates.into_iter().filter_map(as_layer));
                } else {
                    collect_layers(val, out);
                }
            }
        }
        _ => {}
    }
}
