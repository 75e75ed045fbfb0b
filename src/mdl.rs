//! Description-length codes and their maths: pure functions, no I/O.

/// The seed's naive code: each of L0 active features costs B bits for its value and
/// log2 D bits to say which of D dictionary features it is: `L0 * (B + log2 D)` bits.
pub fn naive_bits(l0: f64, bits: f64, dict_size: u64) -> f64 {
    l0 * (bits + (dict_size as f64).log2())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gpt2_sanity_check_from_the_paper() {
        assert_eq!(format!("{:.2}", naive_bits(65.0, 7.0, 25000)), "1404.63");
    }

    #[test]
    fn one_feature_of_a_two_word_dictionary_costs_b_plus_one() {
        assert_eq!(naive_bits(1.0, 7.0, 2), 8.0);
        assert!(naive_bits(f64::NAN, 7.0, 2).is_nan());
    }
}
