//! Whether a layer is read after its first page in creation-time windows side by side
//! (`gaps` plans them, `window_fetch` reads them), decided from that page: not a layer of a
//! page or two, nor (unless `--window-runs` asks) one of fewer than `MIN_PAGES_TO_SPLIT`
//! pages more or fetched a request at a time.

/// Pages after the first below which a layer stays one stream unless `--window-runs`
/// asks: a few pages leave little to read side by side.
pub const MIN_PAGES_TO_SPLIT: u64 = 8;

/// How a layer is read in windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    /// Runs a page brings (what the server granted on the first page).
    pub page: u64,
    /// Runs per window, when `--window-runs` says; else windows of about a page, as many
    /// as the requests in flight worth having allow.
    pub window: Option<u64>,
}

/// How to read a layer whose first page brought `first_page` of `run_count` runs, or
/// `None` for one plain stream of pages: a layer of a page or two, or (unless
/// `window_runs` says otherwise) of fewer than `MIN_PAGES_TO_SPLIT` more pages, or one
/// fetched a request at a time, or `window_runs == Some(0)` (the plain path, forced).
pub fn split(
    window_runs: Option<u64>,
    concurrency: usize,
    run_count: u64,
    first_page: u64,
    has_next_page: bool,
) -> Option<Split> {
    if !has_next_page || first_page == 0 || run_count <= 2 * first_page {
        return None;
    }
    let rest_pages = (run_count - first_page).div_ceil(first_page);
    let window = match window_runs {
        Some(0) => return None,
        Some(runs) => Some(runs),
        None if concurrency < 2 || rest_pages < MIN_PAGES_TO_SPLIT => return None,
        None => None,
    };
    Some(Split {
        page: first_page,
        window,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_layers_and_single_streams_keep_the_plain_path() {
        assert_eq!(split(None, 8, 1000, 1000, false), None, "one page");
        assert_eq!(split(None, 8, 2000, 1000, true), None, "two pages");
        assert_eq!(split(None, 1, 100_000, 1000, true), None, "one request at a time");
        assert_eq!(split(Some(0), 8, 100_000, 1000, true), None, "forced plain");
        assert_eq!(split(None, 8, 8000, 1000, true), None, "7 pages left");
        let nine = split(None, 2, 9000, 1000, true);
        assert_eq!(
            nine,
            Some(Split {
                page: 1000,
                window: None
            }),
            "8 pages left"
        );
        // A server granting fewer runs than asked: its page size counts.
        let asked = split(Some(450), 1, 3000, 100, true);
        assert_eq!(
            asked,
            Some(Split {
                page: 100,
                window: Some(450)
            })
        );
    }
}
