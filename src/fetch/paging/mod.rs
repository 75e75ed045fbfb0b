//! Paging: how the runs a filter matches are brought, page by page by creation time, in
//! creation-time windows side by side for a large layer, or as a listing of what changed
//! for `--incremental`. It uses both other layers, the client from `transport` and the
//! queries and decoding from `graphql`, and neither of them uses it.

pub mod cached_layer;
pub mod context;
pub mod gaps;
pub mod in_flight;
pub mod incremental;
pub mod listing;
mod page_walk;
pub mod pager;
pub mod seek;
pub mod watermark;
pub mod window_fetch;
pub mod windows;
