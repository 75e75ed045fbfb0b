//! Tests of `RowReader`: lines, byte-order marks, open quotes, limits, and the plain-row
//! fast path read against `csv_core` alone.

use super::*;

type Rows = (Vec<(u64, Vec<String>)>, Option<u64>);

/// Every row as (line, fields), then the open-quote line.
fn rows(input: &[u8], chunk: usize) -> Rows {
    rows_with(input, chunk, true)
}

fn rows_with(input: &[u8], chunk: usize, plain_rows: bool) -> Rows {
    struct Trickle<'a>(&'a [u8], usize);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.len().min(self.1).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let mut reader = RowReader::new(Trickle(input, chunk));
    reader.plain_rows = plain_rows;
    let mut out = Vec::new();
    while let Some(line) = reader.next_row().unwrap() {
        for index in 0..reader.field_count() {
            let checked = std::str::from_utf8(reader.field(index)).ok();
            assert_eq!(reader.text_field(index), checked, "{input:?}");
        }
        let fields = reader
            .iter()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect();
        out.push((line, fields));
    }
    (out, reader.open_quote_line())
}

fn lines_and_first_fields(input: &[u8], chunk: usize) -> Vec<(u64, String)> {
    rows(input, chunk)
        .0
        .into_iter()
        .map(|(line, f)| (line, f[0].clone()))
        .collect()
}

#[test]
fn rows_know_their_lines_whatever_the_line_ends_and_read_sizes() {
    let lf = b"h,x\na,1\n\"b\nb\",2\n\nc,3";
    let crlf = b"h,x\r\na,1\r\n\"b\nb\",2\r\n\r\nc,3\r\n";
    for chunk in [1, 2, 3, 7, 1 << 20] {
        let expected = vec![
            (1, "h".into()),
            (2, "a".into()),
            (3, "b\nb".into()),
            (6, "c".into()),
        ];
        assert_eq!(
            lines_and_first_fields(lf, chunk),
            expected,
            "LF, reads of {chunk}"
        );
        assert_eq!(
            lines_and_first_fields(crlf, chunk),
            expected,
            "CRLF, reads of {chunk}"
        );
    }
}

#[test]
fn a_byte_order_mark_is_skipped_even_when_it_trickles_in() {
    for chunk in [1, 2, 3, 64] {
        let (rows, _) = rows(b"\xef\xbb\xbf\"Name\",x\n\"a\",1\n", chunk);
        assert_eq!(rows[0].1, ["Name", "x"], "reads of {chunk}");
        assert_eq!(rows[1], (2, vec!["a".to_string(), "1".to_string()]));
    }
    // Only at the very start.
    let (rows, _) = rows(b"a\n\xef\xbb\xbfb\n", 64);
    assert_eq!(rows[1].1, ["\u{feff}b"]);
}

#[test]
fn an_input_ending_inside_quotes_is_told_apart() {
    for chunk in [1, 5, 64] {
        assert_eq!(rows(b"h\n\"a\"\n\"b\n\nc", chunk).1, Some(3), "reads of {chunk}");
        assert_eq!(rows(b"h\n\"a\"\"\"\n", chunk).1, None);
        assert_eq!(rows(b"h\n\"a\"\"", chunk).1, Some(2));
        assert_eq!(rows(b"h\n\"a\",\"b\"", chunk).1, None);
        assert_eq!(
            rows(b"h\nx\"y", chunk).1,
            None,
            "a quote inside a field opens nothing"
        );
    }
}

#[test]
fn rows_past_the_limits_are_refused_with_their_line() {
    let mut long = b"h\nok\n\"".to_vec();
    long.resize(MAX_ROW_BYTES + 10, b'x');
    let mut reader = RowReader::new(&long[..]);
    assert_eq!(reader.next_row().unwrap(), Some(1));
    assert_eq!(reader.next_row().unwrap(), Some(2));
    match reader.next_row() {
        Err(RowError::Overlong { line: 3, what }) => assert!(what.contains("MiB"), "{what}"),
        other => panic!("{other:?}"),
    }
    let wide = vec![b','; MAX_ROW_FIELDS + 1];
    match RowReader::new(&wide[..]).next_row() {
        Err(RowError::Overlong { line: 1, what }) => assert!(what.contains("fields"), "{what}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_reader_from_the_middle_numbers_lines_from_there_and_keeps_marks() {
    let mut reader = RowReader::continuing(&b"\xef\xbb\xbfa,1\r\n\"b\nc\",2\n"[..], 41, None);
    assert_eq!(reader.next_row().unwrap(), Some(41));
    assert_eq!(reader.field(0), b"\xef\xbb\xbfa");
    assert_eq!(reader.next_row().unwrap(), Some(42));
    assert_eq!(reader.field(0), b"b\nc");
    assert_eq!(reader.consumed(), 16);
    assert_eq!(reader.next_row().unwrap(), None);
}

#[test]
fn text_fields_are_checked_unless_the_row_is_all_ascii() {
    let input = b"h\n\"ok\",x\n\"caf\xc3\xa9\",\xff\n\"\xff\"\"\",y\n";
    let mut reader = RowReader::new(&input[..]);
    let mut texts = Vec::new();
    while reader.next_row().unwrap().is_some() {
        let text = |index| reader.text_field(index).map(str::to_string);
        texts.push((text(0), text(1)));
    }
    assert_eq!(
        texts,
        [
            (Some("h".into()), Some(String::new())), // (a field past the row is empty)
            (Some("ok".into()), Some("x".into())),
            (Some("caf\u{e9}".into()), None),
            (None, Some("y".into())), // read by csv_core: an escaped quote
        ]
    );
}

#[test]
fn the_digest_covers_every_byte_even_unread_rows() {
    let input = b"\xef\xbb\xbfh\na\nb\n";
    let mut reader = RowReader::new(&input[..]).with_digest();
    reader.next_row().unwrap();
    let digest = reader.finish_digest().unwrap().unwrap();
    assert_eq!(&digest, blake3::hash(input).as_bytes());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

    /// The fast path for plain rows reads every input exactly as `csv_core` alone does:
    /// the same rows, fields, lines and open quote, whatever the read sizes.
    #[test]
    fn plain_rows_read_as_csv_core_reads_them(
        pieces in proptest::collection::vec(
            proptest::sample::select(vec![
                "a", "bc", ",", "\"", "\"\"", "\r", "\n", "\r\n", " ", "\"x\"", "\"y,z\"",
                "\u{feff}", "\u{e9}",
                // Long enough that rows cross the fast path's 64-byte blocks.
                "\"quoted, and longer than a block of the fast path by itself alone\"",
                "plain_and_longer_than_half_a_block_of_the_fast_path",
            ]),
            0..60,
        ),
        chunk in 1usize..64,
    ) {
        let input = pieces.concat();
        let whole = rows_with(input.as_bytes(), 1 << 20, false);
        proptest::prop_assert_eq!(rows_with(input.as_bytes(), chunk, true), whole.clone());
        proptest::prop_assert_eq!(rows_with(input.as_bytes(), 1 << 20, true), whole);
    }
}
