//! Splits a plain CSV row from 64-byte bitmasks, the fast path of `RowReader`.
//!
//! A plain row is one whole line whose fields are each either quoted with no quote or line
//! break inside, or unquoted with no quote or carriage return inside: nearly every row of a
//! W&B export. Each 64-byte block gives three bitmasks (quotes, commas, line breaks; AVX2 or
//! SSE2 on x86-64, a byte loop elsewhere). A prefix XOR of the quote mask marks the bytes inside
//! quotes, so the field ends are the commas and line breaks outside them, and each field is
//! then checked by counting its quotes: none, or exactly the two around it. The split walks
//! one bit per field rather than every byte. Such a row reads exactly as `csv_core` reads
//! it; for anything else the split gives up and `csv_core` reads the row. A fourth mask, of
//! the bytes with the high bit set, tells whether the row is all ASCII (so its fields are
//! UTF-8 text with no further check).

/// A plain row that was split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlainRow {
    /// The row's length, its line break included.
    pub len: usize,
    /// Whether every byte of it is ASCII.
    pub ascii: bool,
}

/// Splits the row at the start of `input` (which must not start with a line break). On
/// success the fields' byte ranges (relative to `input`, quotes excluded) are in `spans`.
/// `None` when the row is not plain, does not end within `input`, is longer than
/// `max_bytes` or has more than `max_fields` fields; `spans` is then left in any state.
pub fn split(
    input: &[u8],
    spans: &mut Vec<(usize, usize)>,
    max_bytes: usize,
    max_fields: usize,
) -> Option<PlainRow> {
    spans.clear();
    // The high bits of the blocks before the current one.
    let mut high_before = 0u64;
    let mut block = 0;
    // All ones when the block starts inside quotes.
    let mut carry = 0u64;
    let mut quotes_before_block = 0;
    let (mut field_start, mut quotes_before_field) = (0, 0);
    while block < input.len() && block <= max_bytes {
        let mask = masks(input, block);
        let inside = prefix_xor(mask.quotes) ^ carry;
        let broken = mask.breaks & inside;
        let mut ends = (mask.commas | mask.breaks) & !inside;
        while ends != 0 {
            let offset = ends.trailing_zeros();
            ends &= ends - 1;
            let at = block + offset as usize;
            let below = (1u64 << offset) - 1;
            let quotes_to_end = quotes_before_block + (mask.quotes & below).count_ones();
            let field = plain_field(input, field_start, at, quotes_to_end - quotes_before_field)?;
            if spans.len() == max_fields {
                return None;
            }
            spans.push(field);
            if input[at] == b',' {
                (field_start, quotes_before_field) = (at + 1, quotes_to_end);
                continue;
            }
            // A line break outside quotes: the row ends, if no break inside quotes came
            // before it and a CR is one of a CRLF (csv_core ends a row at a lone CR too).
            if broken & below != 0 || at > max_bytes {
                return None;
            }
            // (The row's bytes in this block are those below its line break: a CR or LF.)
            let ascii = (high_before | (mask.high & below)) == 0;
            let len = row_len(input, at)?;
            return Some(PlainRow { len, ascii });
        }
        if broken != 0 {
            return None;
        }
        carry = 0u64.wrapping_sub(inside >> 63);
        quotes_before_block += mask.quotes.count_ones();
        high_before |= mask.high;
        block += 64;
    }
    None
}

/// The field from `start` to `at` (a comma or line break), its quotes excluded, when it is
/// plain: no quote in it, or just the two around it.
#[inline(always)]
fn plain_field(input: &[u8], start: usize, at: usize, quotes: u32) -> Option<(usize, usize)> {
    match quotes {
        0 => Some((start, at)),
        2 if input[start] == b'"' && input[at - 1] == b'"' && at - 1 > start => Some((start + 1, at - 1)),
        _ => None,
    }
}

/// The length of a row whose line break is at `at`: through an LF, or a CR and the LF after
/// it; `None` for a lone CR.
#[inline(always)]
fn row_len(input: &[u8], at: usize) -> Option<usize> {
    match (input[at], input.get(at + 1)) {
        (b'\n', _) => Some(at + 1),
        (_, Some(b'\n')) => Some(at + 2),
        _ => None,
    }
}

/// Bit i of each mask is set when byte `at + i` is a quote, a comma, a CR or LF, or a byte
/// past 0x7f.
#[derive(Default)]
struct Masks {
    quotes: u64,
    commas: u64,
    breaks: u64,
    high: u64,
}

/// Bit i set when bits 0..=i of `bits` hold an odd number of ones: for the quote mask, the
/// bytes from an opening quote up to (not including) its closing one.
fn prefix_xor(mut bits: u64) -> u64 {
    for shift in [1, 2, 4, 8, 16, 32] {
        bits ^= bits << shift;
    }
    bits
}

/// The masks of the (up to) 64 bytes from `at`; bits past the end of `input` are clear.
fn masks(input: &[u8], at: usize) -> Masks {
    #[cfg(target_arch = "x86_64")]
    if let Some(block) = input.get(at..at + 64) {
        // (The feature test is a load of a flag the standard library caches.)
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, as just checked.
            return unsafe { masks_avx2(block) };
        }
        return masks_sse2(block);
    }
    masks_bytes(&input[at..input.len().min(at + 64)])
}

fn masks_bytes(block: &[u8]) -> Masks {
    let mut masks = Masks::default();
    for (i, &byte) in block.iter().enumerate() {
        let bit = 1u64 << i;
        match byte {
            b'"' => masks.quotes |= bit,
            b',' => masks.commas |= bit,
            b'\r' | b'\n' => masks.breaks |= bit,
            0x80.. => masks.high |= bit,
            _ => {}
        }
    }
    masks
}

#[cfg(target_arch = "x86_64")]
fn masks_sse2(block: &[u8]) -> Masks {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    assert_eq!(block.len(), 64);
    let mut masks = Masks::default();
    for (i, chunk) in block.chunks_exact(16).enumerate() {
        // SAFETY: SSE2 is part of every x86-64 CPU, and the unaligned load reads exactly
        // the 16 bytes of `chunk`.
        let (quotes, commas, breaks, high) = unsafe {
            let bytes = _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>());
            let is = |byte: u8| _mm_cmpeq_epi8(bytes, _mm_set1_epi8(byte as i8));
            (
                _mm_movemask_epi8(is(b'"')),
                _mm_movemask_epi8(is(b',')),
                _mm_movemask_epi8(_mm_or_si128(is(b'\r'), is(b'\n'))),
                // The top bit of each byte.
                _mm_movemask_epi8(bytes),
            )
        };
        let shift = 16 * i;
        masks.quotes |= (quotes as u16 as u64) << shift;
        masks.commas |= (commas as u16 as u64) << shift;
        masks.breaks |= (breaks as u16 as u64) << shift;
        masks.high |= (high as u16 as u64) << shift;
    }
    masks
}

/// `masks_sse2` in two 32-byte halves, on CPUs with AVX2 (nearly all x86-64 today): half
/// the instructions per block.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn masks_avx2(block: &[u8]) -> Masks {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_or_si256,
        _mm256_set1_epi8,
    };
    assert_eq!(block.len(), 64);
    let mut masks = Masks::default();
    for (i, half) in block.chunks_exact(32).enumerate() {
        // SAFETY: the unaligned load reads exactly the 32 bytes of `half`.
        let bytes = unsafe { _mm256_loadu_si256(half.as_ptr().cast::<__m256i>()) };
        let is = |byte: u8| _mm256_cmpeq_epi8(bytes, _mm256_set1_epi8(byte as i8));
        let shift = 32 * i;
        let bits = |mask: i32| u64::from(mask as u32) << shift;
        masks.quotes |= bits(_mm256_movemask_epi8(is(b'"')));
        masks.commas |= bits(_mm256_movemask_epi8(is(b',')));
        masks.breaks |= bits(_mm256_movemask_epi8(_mm256_or_si256(is(b'\r'), is(b'\n'))));
        // The top bit of each byte.
        masks.high |= bits(_mm256_movemask_epi8(bytes));
    }
    masks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields_of(row: &str) -> Option<(Vec<&str>, usize)> {
        fields(row)
    }

    fn fields(row: &str) -> Option<(Vec<&str>, usize)> {
        let mut spans = Vec::new();
        let plain = split(row.as_bytes(), &mut spans, 1 << 20, 1 << 20)?;
        assert_eq!(plain.ascii, row.as_bytes()[..plain.len].is_ascii(), "{row:?}");
        Some((spans.iter().map(|&(a, b)| &row[a..b]).collect(), plain.len))
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
        let len = |row: Option<PlainRow>| row.map(|row| row.len);
        assert_eq!(len(split(b"a,b,c\n", &mut spans, 1 << 20, 2)), None);
        assert_eq!(len(split(b"a,b,c\n", &mut spans, 1 << 20, 3)), Some(6));
        assert_eq!(len(split(b"abcdef\n", &mut spans, 5, 10)), None);
        assert_eq!(len(split(b"abcdef\n", &mut spans, 6, 10)), Some(7));
    }

    #[test]
    fn a_row_is_ascii_when_none_of_its_own_bytes_is_past_0x7f() {
        let long_name = format!("\"{}\u{e9}\",1\n", "a".repeat(70));
        for (row, ascii) in [
            ("\"caf\u{e9}\",1\n\"x\"", false),
            ("\"cafe\",1\n\"\u{e9}\"", true), // the next row's bytes are not its own
            ("a,b\r\n\u{e9}", true),
            (long_name.as_str(), false),
        ] {
            let mut spans = Vec::new();
            let plain = split(row.as_bytes(), &mut spans, 1 << 20, 1 << 20).expect("a plain row");
            assert_eq!(plain.ascii, ascii, "{row:?}");
        }
    }

    #[test]
    fn the_block_masks_agree_with_the_byte_loop() {
        let alphabet = b"\",\r\nab \xff";
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..20_000 {
            let bytes: Vec<u8> = (0..100)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    alphabet[(state % alphabet.len() as u64) as usize]
                })
                .collect();
            for at in [0, 3, 16, 30, 36, 64, 99] {
                let expected = masks_bytes(&bytes[at..bytes.len().min(at + 64)]);
                let mut got = vec![masks(&bytes, at)];
                // Each SIMD kind this CPU has, whichever `masks` takes.
                #[cfg(target_arch = "x86_64")]
                if let Some(block) = bytes.get(at..at + 64) {
                    got.push(masks_sse2(block));
                    if std::arch::is_x86_feature_detected!("avx2") {
                        // SAFETY: the CPU has AVX2, as just checked.
                        got.push(unsafe { masks_avx2(block) });
                    }
                }
                for got in got {
                    let pairs = [
                        (got.quotes, expected.quotes),
                        (got.commas, expected.commas),
                        (got.breaks, expected.breaks),
                        (got.high, expected.high),
                    ];
                    assert!(pairs.iter().all(|(a, b)| a == b), "{bytes:?} at {at}");
                }
            }
        }
    }

    #[test]
    fn prefix_xor_marks_the_inside_of_quotes() {
        let quotes = 0b1000_0100_1001u64;
        assert_eq!(prefix_xor(quotes), 0b0111_1100_0111);
        assert_eq!(prefix_xor(1 << 63), 1 << 63);
    }

    #[test]
    fn rows_longer_than_a_block_keep_their_quote_state() {
        let long = format!("\"{}\",\"{}\",x\r\n", "a,".repeat(40), "b".repeat(70));
        let (fields, len) = fields(&long).expect("a plain row");
        assert_eq!(fields, ["a,".repeat(40), "b".repeat(70), "x".to_string()]);
        assert_eq!(len, long.len());
        let broken = format!("\"{}\n\",x\n", "a".repeat(70));
        assert_eq!(fields_of(&broken), None);
    }
}
