//! `runs.csv`: every normalized record, streamed as it is read, for plotting and audits.
//!
//! This is the pipeline's hot output (one row per run, millions of rows), so rows are
//! formatted straight into a reused byte buffer: integers with `itoa`, floats as `pyfmt::repr`
//! lays them out (Python's `repr` style) from digits written to the stack, fields quoted only
//! when they need it, as the `csv` crate's default writer does. The bytes are the same as
//! writing each field with `csv::Writer` and `pyfmt::repr`; tests hold both to that.

use std::fmt::Write as _;
use std::io::Write;
use std::sync::Arc;

use crate::record::{RecordSink, RunRef};

pub const FILE_NAME: &str = "runs.csv";

const HEADER: &[u8] = b"file,line,name,layer,activation,k,l0,error,dict_size\n";

/// Flush the row buffer to the destination past this many bytes.
const FLUSH_AT: usize = 1 << 18;

/// Writes each run as one CSV row; the caller owns where the bytes go.
pub struct RunsCsv<W: Write> {
    out: W,
    buf: Vec<u8>,
    /// The last file name seen and its field text, which is the same for a whole export.
    file: Option<(Arc<str>, Vec<u8>)>,
}

impl<W: Write> RunsCsv<W> {
    /// A writer that starts with the header row.
    pub fn new(out: W) -> anyhow::Result<Self> {
        let mut writer = Self::without_header(out);
        writer.buf.extend_from_slice(HEADER);
        Ok(writer)
    }

    /// A writer of rows only, for a part that another writer's output will precede.
    pub fn without_header(out: W) -> Self {
        RunsCsv {
            out,
            buf: Vec::with_capacity(FLUSH_AT + 4096),
            file: None,
        }
    }

    /// Flushes and hands back the destination.
    pub fn finish(mut self) -> anyhow::Result<W> {
        self.flush()?;
        self.out
            .flush()
            .map_err(|e| anyhow::anyhow!("cannot write {FILE_NAME}: {e}"))?;
        Ok(self.out)
    }

    fn flush(&mut self) -> anyhow::Result<()> {
        self.out
            .write_all(&self.buf)
            .map_err(|e| anyhow::anyhow!("cannot write {FILE_NAME}: {e}"))?;
        self.buf.clear();
        Ok(())
    }

    /// Makes `self.file` hold this file's field text.
    fn remember_file(&mut self, file: &Arc<str>) {
        let fresh = match &self.file {
            Some((last, _)) => !Arc::ptr_eq(last, file) && **last != **file,
            None => true,
        };
        if fresh {
            let mut text = Vec::new();
            push_text(&mut text, file.as_bytes());
            self.file = Some((Arc::clone(file), text));
        }
    }
}

impl<W: Write> RecordSink for RunsCsv<W> {
    fn accept(&mut self, run: &RunRef<'_>) -> anyhow::Result<()> {
        self.remember_file(run.file);
        let RunsCsv { buf, file, .. } = self;
        buf.extend_from_slice(file.as_ref().map_or(&[][..], |(_, text)| text.as_slice()));
        let mut ints = itoa::Buffer::new();
        buf.push(b',');
        buf.extend_from_slice(ints.format(run.line).as_bytes());
        buf.push(b',');
        push_text(buf, run.name.as_bytes());
        buf.push(b',');
        buf.extend_from_slice(ints.format(run.layer).as_bytes());
        buf.push(b',');
        push_text(buf, run.activation.as_bytes());
        buf.push(b',');
        buf.extend_from_slice(ints.format(run.k).as_bytes());
        buf.push(b',');
        push_repr(buf, run.l0);
        buf.push(b',');
        push_repr(buf, run.error);
        buf.push(b',');
        if let Some(d) = run.dict_size {
            buf.extend_from_slice(ints.format(d).as_bytes());
        }
        buf.push(b'\n');
        if buf.len() >= FLUSH_AT {
            self.flush()?;
        }
        Ok(())
    }
}

/// Bytes that a field must be quoted for (the `csv` crate's default writer: delimiter,
/// quote, and both line-break bytes).
const fn special_bytes() -> [bool; 256] {
    let mut table = [false; 256];
    table[b',' as usize] = true;
    table[b'"' as usize] = true;
    table[b'\r' as usize] = true;
    table[b'\n' as usize] = true;
    table
}

static SPECIAL: [bool; 256] = special_bytes();

/// A text field, quoted (quotes doubled) only when it holds a special byte.
fn push_text(buf: &mut Vec<u8>, text: &[u8]) {
    if !text.iter().any(|&b| SPECIAL[b as usize]) {
        buf.extend_from_slice(text);
        return;
    }
    buf.push(b'"');
    for &b in text {
        if b == b'"' {
            buf.push(b'"');
        }
        buf.push(b);
    }
    buf.push(b'"');
}

/// Appends Python's `repr(x)` (the same bytes as `pyfmt::repr`): the shortest digits that
/// read back as `x`, in fixed notation for decimal exponents -4 to 15, else as `1.5e-05`.
pub fn push_repr(buf: &mut Vec<u8>, x: f64) {
    if !x.is_finite() {
        buf.extend_from_slice(if x.is_nan() {
            b"nan"
        } else if x > 0.0 {
            b"inf"
        } else {
            b"-inf"
        });
        return;
    }
    // Rust's `{:e}` gives the same shortest digits `pyfmt::repr` prints (it rounds a tie
    // between two shortest candidates up, where `ryu` and Python round it to even, so `ryu`
    // would change bytes), written to the stack: `[-]d[.ddd]e[-]x`.
    let mut scratch = Scratch::default();
    let _ = write!(scratch, "{x:e}");
    let text = &scratch.bytes[..scratch.len];
    // Collect the significant digits and the decimal exponent of the first one.
    let (negative, text) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let (mantissa, exp) = match text.iter().position(|&b| b == b'e') {
        Some(at) => (&text[..at], parse_exp(&text[at + 1..])),
        None => (text, 0),
    };
    let mut digits = [0u8; 24];
    let mut n = 0;
    let mut point = None;
    for &b in mantissa {
        if b == b'.' {
            point = Some(n);
        } else {
            digits[n] = b;
            n += 1;
        }
    }
    let int_digits = point.unwrap_or(n) as i32;
    // Drop leading zeros (`0.000123`) and trailing zeros (`100.0`, `1e16` has none).
    let mut lead = 0;
    while lead + 1 < n && digits[lead] == b'0' {
        lead += 1;
    }
    let mut end = n;
    while end > lead + 1 && digits[end - 1] == b'0' {
        end -= 1;
    }
    let sig = &digits[lead..end];
    // Decimal exponent of the first significant digit.
    let e10 = exp + int_digits - 1 - lead as i32;
    if negative {
        buf.push(b'-');
    }
    if sig == b"0" {
        buf.extend_from_slice(b"0.0");
        return;
    }
    if (-4..16).contains(&e10) {
        if e10 < 0 {
            buf.extend_from_slice(b"0.");
            for _ in 0..(-e10 - 1) {
                buf.push(b'0');
            }
            buf.extend_from_slice(sig);
        } else {
            let whole = e10 as usize + 1;
            if sig.len() <= whole {
                buf.extend_from_slice(sig);
                for _ in sig.len()..whole {
                    buf.push(b'0');
                }
                buf.extend_from_slice(b".0");
            } else {
                buf.extend_from_slice(&sig[..whole]);
                buf.push(b'.');
                buf.extend_from_slice(&sig[whole..]);
            }
        }
    } else {
        buf.push(sig[0]);
        if sig.len() > 1 {
            buf.push(b'.');
            buf.extend_from_slice(&sig[1..]);
        }
        buf.push(b'e');
        buf.push(if e10 < 0 { b'-' } else { b'+' });
        let magnitude = e10.unsigned_abs();
        if magnitude < 10 {
            buf.push(b'0');
        }
        let mut ints = itoa::Buffer::new();
        buf.extend_from_slice(ints.format(magnitude).as_bytes());
    }
}

/// A stack buffer for one formatted float (`{:e}` of an f64 is at most 24 bytes).
#[derive(Default)]
struct Scratch {
    bytes: [u8; 32],
    len: usize,
}

impl std::fmt::Write for Scratch {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        let end = self.len + text.len();
        let slot = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        slot.copy_from_slice(text.as_bytes());
        self.len = end;
        Ok(())
    }
}

fn parse_exp(text: &[u8]) -> i32 {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let value = digits.iter().fold(0i32, |acc, &d| acc * 10 + i32::from(d - b'0'));
    if negative {
        -value
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pyfmt::repr;

    fn fast(x: f64) -> String {
        let mut buf = Vec::new();
        push_repr(&mut buf, x);
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn repr_matches_pyfmt_on_edge_values() {
        let cases = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.1,
            1e-4,
            9.999e-5,
            1e-5,
            1e15,
            9.99e15,
            1e16,
            1.5e16,
            123456789012345680.0,
            1e22,
            1e-300,
            f64::MIN_POSITIVE,
            5e-324,
            f64::MAX,
            f64::MIN,
            f64::EPSILON,
            0.0001650755002629012,
            2957.234619140625,
            // Exactly halfway between two shortest candidates: Rust rounds up (...313).
            f64::from_bits(0x408a_59b1_a000_0000), // 843.21173095703125
            1023.0,
            100.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for x in cases {
            assert_eq!(fast(x), repr(x), "{x:e}");
        }
    }

    #[test]
    fn repr_matches_pyfmt_on_random_floats() {
        let mut rng = fastrand::Rng::with_seed(7);
        for i in 0..200_000 {
            let x = match i % 4 {
                0 => f64::from_bits(rng.u64(..)),
                1 => rng.f64() * 10f64.powi(rng.i32(-8..20)),
                2 => (rng.f64() as f32) as f64 * 4096.0,
                _ => rng.u32(..) as f64 / 2f64.powi(rng.i32(0..40)),
            };
            assert_eq!(fast(x), repr(x), "{:#x}", x.to_bits());
        }
    }

    #[test]
    fn rows_match_the_csv_crate_writer() {
        let file: Arc<str> = "dir/a,b \"x\".csv".into();
        let mut ours = RunsCsv::new(Vec::new()).unwrap();
        let mut theirs = csv::Writer::from_writer(Vec::new());
        theirs
            .write_record(HEADER.strip_suffix(b"\n").unwrap().split(|&b| b == b','))
            .unwrap();
        let names = [
            "blocks.6.x_12288_topk_64_0.0",
            "we,ird_\"q\"_1_0",
            "line\nbreak_a_2_0",
            "",
        ];
        for (i, name) in names.iter().enumerate() {
            let run = RunRef {
                name,
                layer: -(i as i64),
                activation: if i == 1 { "a,b" } else { "topk" },
                k: i as i64 * 1000,
                l0: 1.0 / (i as f64 + 0.5),
                error: if i == 2 { f64::NAN } else { 1e-5 * i as f64 },
                dict_size: (i % 2 == 0).then_some(12288),
                file: &file,
                source: 0,
                line: i as u64 + 2,
            };
            ours.accept(&run).unwrap();
            let dict = run.dict_size.map(|d| d.to_string()).unwrap_or_default();
            theirs
                .write_record([
                    file.to_string(),
                    run.line.to_string(),
                    run.name.to_string(),
                    run.layer.to_string(),
                    run.activation.to_string(),
                    run.k.to_string(),
                    repr(run.l0),
                    repr(run.error),
                    dict,
                ])
                .unwrap();
        }
        assert_eq!(
            String::from_utf8(ours.finish().unwrap()).unwrap(),
            String::from_utf8(theirs.into_inner().unwrap()).unwrap()
        );
    }
}
