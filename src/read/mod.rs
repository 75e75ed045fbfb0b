//! Reading exports into records: CSV rows (a fast path for plain rows), a file cut into
//! pieces read in parallel, the replay that feeds every export to selection, and the
//! copies of exports that can be read only once (stdin, pipes).

pub mod cells;
pub mod column_index;
pub mod export;
pub mod object_cell;
pub mod parallel;
pub mod pieces;
mod plain_row;
pub mod replay;
pub mod row_estimate;
pub mod row_filter;
pub mod rows;
mod run_parts;
pub mod runs_sink;
pub mod spool;
