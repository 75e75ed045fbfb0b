//! Reading exports into records: CSV rows (a fast path for plain rows), a file cut into
//! pieces read in parallel, and the replay that feeds every export to selection.

pub mod cells;
pub mod export;
pub mod parallel;
pub mod pieces;
mod plain_row;
pub mod replay;
pub mod row_estimate;
pub mod row_filter;
pub mod rows;
