//! The transport: one HTTP client that posts to the server's `/graphql` with the API key,
//! within `--concurrency` requests in flight (with an estimate of how many are worth it),
//! and retries what is worth retrying. It knows
//! nothing of GraphQL shapes beyond a query and its variables: what a page, a count or a
//! run looks like is the `graphql` layer's, and it depends on nothing else in `fetch`.

pub mod address;
pub mod client;
pub mod gate;
pub mod limiter;
pub mod reply;
pub mod retry;
pub mod secret;
