//! Splits a plain CSV row in one pass over 16-byte blocks, the fast path of `RowReader`.
//!
//! A plain row is one whole line whose fields are each either quoted with no quote or line
//! break inside, or unquoted with no quote or carriage return inside: nearly every row of a
//! W&B export. Each 16-byte block gives one bitmask of its quotes, commas, CRs and LFs (SSE2
//! on x86-64, a byte loop elsewhere), and the row is split by walking those bits, so a short
//! field costs a few instructions rather than a search. Such a row reads exactly as
//! `csv_core` reads it; for anything else the split gives up and `csv_core` reads the row.

/// Splits the row at the start of `input` (which must not start with a line break). On
/// success the fields' byte ranges (relative to `input`, quotes excluded) are in `spans`
/// and the result is the length of the row with its line break. `None` when the row is
/// not plain, does not end within `input`, is longer than `max_bytes` or has more than
/// `max_fields` fields; `spans` is then left in any state.
pub fn split(
    input: &[u8],
    spans: &mut Vec<(usize, usize)>,
    max_bytes: usize,
    max_fields: usize,
) -> Option<usize> {
    spans.clear();
    let limit = input.len().min(max_bytes.saturating_add(1));
    let mut state = State::Start(0);
    let mut block = 0;
    while block < limit {
        let mut mask = structural(input, block);
        while mask != 0 {
            let at = block + mask.trailing_zeros() as usize;
            mask &= mask - 1;
            if at >= limit {
                return None;
            }
            let byte = input[at];
            // A field that starts here with no quote is unquoted: go on as such.
            if let State::Start(start) = state {
                state = match (at == start, byte) {
                    (true, b'"') => {
                        state = State::Quoted(start + 1);
                        continue;
                    }
                    _ => State::Unquoted(start),
                };
            }
            match state {
                State::Quoted(start) => match byte {
                    b'"' => {
                        push(spans, (start, at), max_fields)?;
                        state = State::Closed(at + 1);
                    }
                    b',' => {}
                    _ => return None,
                },
                State::Unquoted(start) => {
                    let end = end_of_field(input, at, byte)?;
                    push(spans, (start, at), max_fields)?;
                    match end {
                        FieldEnd::Comma => state = State::Start(at + 1),
                        FieldEnd::Row(len) => return Some(len),
                    }
                }
                State::Closed(after) => {
                    if at != after {
                        return None;
                    }
                    match end_of_field(input, at, byte)? {
                        FieldEnd::Comma => state = State::Start(at + 1),
                        FieldEnd::Row(len) => return Some(len),
                    }
                }
                State::Start(_) => unreachable!("a field start was settled above"),
            }
        }
        block += 16;
    }
    None
}

/// Where the row stands after the last structural byte.
#[derive(Clone, Copy)]
enum State {
    /// A field starts at this offset.
    Start(usize),
    /// Inside an unquoted field that started here.
    Unquoted(usize),
    /// Inside a quoted field whose text starts here.
    Quoted(usize),
    /// A quoted field closed; the byte at this offset must end it.
    Closed(usize),
}

enum FieldEnd {
    Comma,
    /// The row ends; its length with the line break.
    Row(usize),
}

/// What the structural `byte` at `at` does to an unquoted or just closed field.
fn end_of_field(input: &[u8], at: usize, byte: u8) -> Option<FieldEnd> {
    match byte {
        b',' => Some(FieldEnd::Comma),
        b'\n' => Some(FieldEnd::Row(at + 1)),
        b'\r' if input.get(at + 1) == Some(&b'\n') => Some(FieldEnd::Row(at + 2)),
        _ => None,
    }
}

fn push(spans: &mut Vec<(usize, usize)>, span: (usize, usize), max_fields: usize) -> Option<()> {
    if spans.len() == max_fields {
        return None;
    }
    spans.push(span);
    Some(())
}

/// Bit i set when `input[at + i]` is a quote, comma, CR or LF (bytes past the end: clear).
fn structural(input: &[u8], at: usize) -> u32 {
    #[cfg(target_arch = "x86_64")]
    if let Some(block) = input.get(at..at + 16) {
        return structural_sse2(block.try_into().expect("16 bytes"));
    }
    structural_bytes(&input[at..input.len().min(at + 16)])
}

fn structural_bytes(block: &[u8]) -> u32 {
    let mut mask = 0;
    for (i, &byte) in block.iter().enumerate() {
        if matches!(byte, b'"' | b',' | b'\r' | b'\n') {
            mask |= 1 << i;
        }
    }
    mask
}

#[cfg(target_arch = "x86_64")]
fn structural_sse2(block: &[u8; 16]) -> u32 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    // SAFETY: SSE2 is part of every x86-64 CPU, and the load reads exactly the 16 bytes of
    // `block` (an unaligned load, as `_mm_loadu_si128` allows).
    unsafe {
        let bytes = _mm_loadu_si128(block.as_ptr().cast::<__m128i>());
        let is = |byte: u8| _mm_cmpeq_epi8(bytes, _mm_set1_epi8(byte as i8));
        let any = _mm_or_si128(
            _mm_or_si128(is(b'"'), is(b',')),
            _mm_or_si128(is(b'\r'), is(b'\n')),
        );
        _mm_movemask_epi8(any) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(row: &str) -> Option<(Vec<&str>, usize)> {
        let mut spans = Vec::new();
        let len = split(row.as_bytes(), &mut spans, 1 << 20, 1 << 20)?;
        Some((spans.iter().map(|&(a, b)| &row[a..b]).collect(), len))
    }

    #[test]
    fn plain_rows_are_split_and_measured() {
        let quoted = "\"blocks.6.hook_resid_pre_12288_topk_64_0.0\",\"12.5\",\"\",\"0\"\n\"next\"";
        assert_eq!(
            fields(quoted),
            Some((
                vec!["blocks.6.hook_resid_pre_12288_topk_64_0.0", "12.5", "", "0"],
                58
            ))
        );
        assert_eq!(fields("a,,b\r\nc"), Some((vec!["a", "", "b"], 6)));
        assert_eq!(fields("a,\n"), Some((vec!["a", ""], 3)));
        assert_eq!(fields("\"x,y\",z\n"), Some((vec!["x,y", "z"], 8)));
        assert_eq!(fields("\n"), Some((vec![""], 1)));
    }

    #[test]
    fn rows_that_are_not_plain_are_left_to_csv_core() {
        for row in [
            "\"a\"\"b\"\n", // an escaped quote
            "\"a\nb\"\n",   // a line break inside quotes
            "a\"b\n",       // a quote inside an unquoted field
            "\"a\"b\n",     // text after a closing quote
            "a\rb\n",       // a lone CR, which csv_core takes for a row end
            "\"a\"\rb\n",
            "a,b",   // no line break yet
            "\"abc", // a quote not closed yet
        ] {
            assert_eq!(fields(row), None, "{row:?}");
        }
    }

    #[test]
    fn the_limits_give_up_rather_than_split() {
        let mut spans = Vec::new();
        assert_eq!(split(b"a,b,c\n", &mut spans, 1 << 20, 2), None);
        assert_eq!(split(b"a,b,c\n", &mut spans, 1 << 20, 3), Some(6));
        assert_eq!(split(b"abcdef\n", &mut spans, 5, 10), None);
        assert_eq!(split(b"abcdef\n", &mut spans, 6, 10), Some(7));
    }

    #[test]
    fn the_block_masks_agree_with_the_byte_loop() {
        let alphabet = b"\",\r\nab \xff";
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..20_000 {
            let bytes: Vec<u8> = (0..40)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    alphabet[(state % alphabet.len() as u64) as usize]
                })
                .collect();
            for at in [0, 3, 16, 24, 30, 39] {
                let expected = structural_bytes(&bytes[at..bytes.len().min(at + 16)]);
                assert_eq!(structural(&bytes, at), expected, "{bytes:?} at {at}");
            }
        }
    }
}
