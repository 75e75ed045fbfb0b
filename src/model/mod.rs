//! The pure core, no I/O: a run record, its description length, the selection of each
//! group's runs, the Pareto frontier, and the finished table the emitters format.

pub mod frontier;
pub mod frontier_bounds;
pub mod layers;
pub mod mdl;
pub mod notes;
pub mod project;
pub mod record;
pub mod select;
pub mod skips;
pub mod table;
