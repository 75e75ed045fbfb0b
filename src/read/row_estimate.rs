//! About how many rows some exports hold, from their sizes and their first MiB: enough to
//! choose runs.csv's default without reading millions of rows twice. Blank lines do not
//! count.

use std::io::Read;
use std::path::Path;

/// Bytes read from the start of each file to measure its rows' length.
const SAMPLE: u64 = 1 << 20;

/// The rows (lines past the header) of every file in `paths`, counted in files of at
/// most a MiB and extrapolated from the first MiB in larger ones. A file that cannot be
/// read counts as empty: reading it for real reports why.
pub fn estimated_rows<'p>(paths: impl IntoIterator<Item = &'p Path>) -> u64 {
    paths.into_iter().map(|path| estimate(path).unwrap_or(0)).sum()
}

fn estimate(path: &Path) -> std::io::Result<u64> {
    let file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    let mut sample = Vec::with_capacity(SAMPLE.min(size) as usize);
    file.take(SAMPLE).read_to_end(&mut sample)?;
    let lines = non_blank_lines(&sample);
    if (sample.len() as u64) >= size {
        return Ok(lines.saturating_sub(1));
    }
    let per_line = sample.len() as f64 / lines.max(1) as f64;
    Ok((size as f64 / per_line) as u64)
}

/// The lines of `text` that hold something (a last line without its line break counts).
fn non_blank_lines(text: &[u8]) -> u64 {
    let mut lines = 0;
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', text).chain(std::iter::once(text.len())) {
        let line = &text[start.min(end)..end];
        lines += u64::from(!line.is_empty() && line != b"\r");
        start = end + 1;
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file_of(text: &[u8]) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(text).unwrap();
        file
    }

    #[test]
    fn small_files_are_counted() {
        let with_end = file_of(b"Name,l0\na,1\nb,2\n");
        let without_end = file_of(b"Name,l0\na,1\nb,2");
        let header_only = file_of(b"Name,l0\n");
        let empty = file_of(b"");
        let blank_lines = file_of(b"Name,l0\n\n\na,1\r\n\r\n\nb,2\n\n");
        let count = |f: &tempfile::NamedTempFile| estimated_rows([f.path()]);
        assert_eq!(count(&with_end), 2);
        assert_eq!(count(&without_end), 2);
        assert_eq!(count(&header_only), 0);
        assert_eq!(count(&empty), 0);
        assert_eq!(count(&blank_lines), 2);
        assert_eq!(estimated_rows([with_end.path(), without_end.path()]), 4);
    }

    #[test]
    fn large_files_of_even_rows_are_extrapolated_within_a_percent() {
        let mut text = b"Name,l0,error\n".to_vec();
        for i in 0..300_000 {
            writeln!(text, "run_{i:06}_topk_{:02},{:03}.5,0.00{i:06}", i % 64, i % 1000).unwrap();
        }
        let file = file_of(&text);
        let estimate = estimated_rows([file.path()]) as f64;
        assert!((estimate / 300_000.0 - 1.0).abs() < 0.01, "{estimate}");
    }

    #[test]
    fn a_missing_file_counts_as_empty() {
        assert_eq!(estimated_rows([Path::new("/nonexistent/export.csv")]), 0);
    }
}
