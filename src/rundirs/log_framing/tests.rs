//! The framing read back as written: records of every length around block boundaries,
//! reading from a block in the middle, a torn tail, a damaged byte.

use super::*;

fn record(n: usize, fill: u8) -> Vec<u8> {
    (0..n).map(|i| fill.wrapping_add(i as u8)).collect()
}

fn read_all(bytes: &[u8]) -> (Vec<Vec<u8>>, Option<Stop>) {
    let mut records = Vec::new();
    for item in Records::from_start(bytes).unwrap() {
        match item {
            Ok(record) => records.push(record.into_owned()),
            Err(stop) => return (records, Some(stop)),
        }
    }
    (records, None)
}

#[test]
fn records_of_any_length_come_back_across_block_boundaries() {
    let lengths = [
        0, 1, 100, 32_000, 32_761, 32_762, 32_768, 70_000, 5, 0, 200_000, 3,
    ];
    let written: Vec<Vec<u8>> = (lengths.iter().enumerate())
        .map(|(i, &n)| record(n, i as u8))
        .collect();
    let mut writer = Writer::default();
    for bytes in &written {
        writer.push(bytes);
    }
    let bytes = writer.into_bytes();
    assert!(bytes.len() as u64 > 10 * BLOCK);
    let (read, stop) = read_all(&bytes);
    assert_eq!(stop, None);
    assert_eq!(read, written);
}

#[test]
fn reading_from_a_later_block_skips_the_record_begun_before_it() {
    let mut writer = Writer::default();
    writer.push(&record(50_000, 1)); // spans blocks 0 and 1
    writer.push(&record(10, 2));
    writer.push(&record(20, 3));
    let bytes = writer.into_bytes();
    let from = &bytes[BLOCK as usize..];
    let read: Vec<Vec<u8>> = Records::from_block(from, BLOCK)
        .unwrap()
        .map(|record| record.unwrap().into_owned())
        .collect();
    assert_eq!(read, vec![record(10, 2), record(20, 3)]);
}

#[test]
fn a_log_cut_inside_a_record_ends_torn_after_the_whole_ones() {
    let mut writer = Writer::default();
    writer.push(&record(40, 1));
    writer.push(&record(40_000, 2));
    let bytes = writer.into_bytes();
    for cut in [7 + 7 + 40 + 3, 7 + 7 + 40 + 7 + 100, bytes.len() - 1] {
        let (read, stop) = read_all(&bytes[..cut]);
        assert_eq!(read, vec![record(40, 1)], "cut at {cut}");
        assert!(matches!(stop, Some(Stop::Torn { .. })), "cut at {cut}: {stop:?}");
    }
    // Zeros where the next record would start: the writer had not got there.
    let mut padded = bytes[..7 + 7 + 40].to_vec();
    padded.resize(padded.len() + 64, 0);
    assert_eq!(read_all(&padded), (vec![record(40, 1)], None));
}

#[test]
fn a_damaged_byte_or_header_is_reported() {
    let mut writer = Writer::default();
    writer.push(&record(40, 1));
    writer.push(&record(40, 2));
    let mut bytes = writer.into_bytes();
    bytes[7 + 7 + 40 + 7 + 5] ^= 0x40;
    let (read, stop) = read_all(&bytes);
    assert_eq!(read, vec![record(40, 1)]);
    assert!(
        matches!(
            stop,
            Some(Stop::Corrupt {
                what: "checksum mismatch",
                ..
            })
        ),
        "{stop:?}"
    );
    assert!(Records::from_start(b"{\"a\": 1}").is_err());
    assert!(Records::from_start(b":W&").is_err());
}

#[test]
fn the_checksum_is_crc32_of_the_type_byte_then_the_bytes() {
    // A FULL record of "abc", as the SDK's datastore writes it:
    // zlib.crc32(b"abc", zlib.crc32(b"\x01")).
    let mut writer = Writer::default();
    writer.push(b"abc");
    let bytes = writer.into_bytes();
    let expected = crc32fast::hash(b"\x01abc").to_le_bytes();
    assert_eq!(&bytes[7..11], &expected);
    assert_eq!(&bytes[11..14], &[3, 0, 1]);
}
