//! The few protobuf messages of a run's `.wandb` log that a table needs, declared with
//! prost's derive under the field numbers of the SDK's published `wandb_internal.proto`
//! (`Record`, `RunRecord`, `HistoryRecord`, `SummaryRecord`, `ConfigRecord`,
//! `RunExitRecord`). Every other record type and field is skipped as an unknown field,
//! as protobuf decoders do: the log's other records (output, stats, telemetry, files, ...)
//! decode to a `Record` with no `record_type`.

/// One record of the log: its sequence number and, when it is one of the kinds read here,
/// its body.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Record {
    #[prost(int64, tag = "1")]
    pub num: i64,
    #[prost(oneof = "Body", tags = "2, 3, 5, 17, 18")]
    pub body: Option<Body>,
}

/// The record kinds a table is made from (`Record.record_type` in the SDK).
#[derive(Clone, PartialEq, prost::Oneof)]
pub enum Body {
    /// One `wandb.log` step.
    #[prost(message, tag = "2")]
    History(HistoryRecord),
    /// Summary keys set or removed.
    #[prost(message, tag = "3")]
    Summary(SummaryRecord),
    /// Config keys set or removed after the run started.
    #[prost(message, tag = "5")]
    Config(ConfigRecord),
    /// The run as `wandb.init` made it: id, name, tags, config, start time.
    #[prost(message, tag = "17")]
    Run(Box<RunRecord>),
    /// How the run's process ended.
    #[prost(message, tag = "18")]
    Exit(RunExitRecord),
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct RunRecord {
    #[prost(string, tag = "1")]
    pub run_id: String,
    #[prost(string, tag = "2")]
    pub entity: String,
    #[prost(string, tag = "3")]
    pub project: String,
    #[prost(message, optional, tag = "4")]
    pub config: Option<ConfigRecord>,
    #[prost(message, optional, tag = "5")]
    pub summary: Option<SummaryRecord>,
    #[prost(string, tag = "6")]
    pub run_group: String,
    #[prost(string, tag = "8")]
    pub display_name: String,
    #[prost(string, repeated, tag = "10")]
    pub tags: Vec<String>,
    #[prost(string, tag = "12")]
    pub sweep_id: String,
    #[prost(message, optional, tag = "17")]
    pub start_time: Option<Timestamp>,
}

/// `google.protobuf.Timestamp`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Timestamp {
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct RunExitRecord {
    #[prost(int32, tag = "1")]
    pub exit_code: i32,
    #[prost(int32, tag = "2")]
    pub runtime: i32,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct HistoryRecord {
    #[prost(message, repeated, tag = "1")]
    pub item: Vec<Item>,
    #[prost(message, optional, tag = "2")]
    pub step: Option<HistoryStep>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct HistoryStep {
    #[prost(int64, tag = "1")]
    pub num: i64,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct SummaryRecord {
    #[prost(message, repeated, tag = "1")]
    pub update: Vec<Item>,
    #[prost(message, repeated, tag = "2")]
    pub remove: Vec<Item>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ConfigRecord {
    #[prost(message, repeated, tag = "1")]
    pub update: Vec<Item>,
    #[prost(message, repeated, tag = "2")]
    pub remove: Vec<Item>,
}

/// A `HistoryItem`, `SummaryItem` or `ConfigItem`: the three share their layout. The SDK
/// names a key by `key`, or by the path `nested_key` (wandb-core writes every summary key
/// that way: `["metrics/l0"]`, `["_wandb", "runtime"]`); the value is JSON text.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Item {
    #[prost(string, tag = "1")]
    pub key: String,
    #[prost(string, repeated, tag = "2")]
    pub nested_key: Vec<String>,
    #[prost(string, tag = "16")]
    pub value_json: String,
}

impl Item {
    /// The key's path: `nested_key` when given, else `[key]`.
    pub fn path(&self) -> Vec<&str> {
        match self.nested_key.is_empty() {
            true => vec![self.key.as_str()],
            false => self.nested_key.iter().map(String::as_str).collect(),
        }
    }
}
