//! The packed form of one day's pair counts: a BLOB of LEB128 varints,
//! `(lo, hi, wins_lo, wins_hi, ties, ties_both_bad)` per pair, sorted by
//! `(lo, hi)`, with `lo` and `hi` as store model ids.
//!
//! Reads that need every pair of many days (a trend's per-day series, the
//! running totals behind a time-range pair table) decode one BLOB per day
//! instead of stepping through one SQL row per pair and day: decoding is tens
//! of times faster, and the table holds one row per day.

/// One pair's counts: wins of the lower id, wins of the higher id, ties,
/// both-bad ties.
pub(crate) type PackedPair = (u32, u32, [u64; 4]);

fn put(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

pub(crate) fn encode(pairs: impl IntoIterator<Item = PackedPair>) -> Vec<u8> {
    let mut out = Vec::new();
    for (lo, hi, counts) in pairs {
        put(&mut out, lo as u64);
        put(&mut out, hi as u64);
        for count in counts {
            put(&mut out, count);
        }
    }
    out
}

/// Calls `each` for every pair of a packed BLOB.
pub(crate) fn decode(bytes: &[u8], mut each: impl FnMut(PackedPair)) -> Result<(), String> {
    let mut reader = Reader { bytes, position: 0 };
    while reader.position < bytes.len() {
        let lo = reader.next()? as u32;
        let hi = reader.next()? as u32;
        let counts = [
            reader.next()?,
            reader.next()?,
            reader.next()?,
            reader.next()?,
        ];
        each((lo, hi, counts));
    }
    Ok(())
}

struct Reader<'b> {
    bytes: &'b [u8],
    position: usize,
}

impl Reader<'_> {
    #[inline]
    fn next(&mut self) -> Result<u64, String> {
        let mut value = 0u64;
        let mut shift = 0;
        loop {
            let byte = *self.bytes.get(self.position).ok_or_else(|| {
                format!(
                    "packed pair counts end inside a number at byte {}",
                    self.position
                )
            })?;
            self.position += 1;
            if shift > 63 {
                return Err(format!(
                    "packed pair counts hold an oversized number at byte {}",
                    self.position
                ));
            }
            value |= ((byte & 0x7f) as u64) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
            shift += 7;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_including_large_values() {
        let pairs = vec![
            (0, 1, [0, 1, 127, 128]),
            (3, 900, [u64::MAX, 16_384, 2, 0]),
            (70_000, 70_001, [5, 5, 5, 5]),
        ];
        let bytes = encode(pairs.clone());
        let mut back = Vec::new();
        decode(&bytes, |p| back.push(p)).unwrap();
        assert_eq!(back, pairs);
    }

    #[test]
    fn truncated_blob_is_an_error() {
        let bytes = encode([(1, 2, [300, 1, 1, 1])]);
        let error = decode(&bytes[..3], |_| {}).unwrap_err();
        assert!(error.contains("end inside a number"), "{error}");
    }
}
