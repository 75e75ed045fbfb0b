//! The GraphQL of a fetch: the queries' text and variables, and the decoding of their
//! answers into cache rows and counts. It knows nothing of paging (which filter to ask
//! next, how a layer is split): that is the `paging` layer's, and it depends on nothing
//! else in `fetch`.

pub mod cells;
pub mod columns;
pub mod decode;
pub mod page;
pub mod query;
pub mod timestamps;
pub mod window_query;
