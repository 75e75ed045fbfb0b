//! Description-length codes and their maths: pure functions, no I/O.

use std::fmt;
use std::str::FromStr;

/// How the indices of the active features are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Code {
    /// `L0 * (B + log2 D)`: each active feature names its index outright (the seed's code).
    #[default]
    Naive,
    /// `L0 * B + log2 C(D, L0)`: the active set is one unordered choice of L0 out of D.
    Binomial,
}

impl Code {
    pub const ALL: [Code; 2] = [Code::Naive, Code::Binomial];

    pub fn name(self) -> &'static str {
        match self {
            Code::Naive => "naive",
            Code::Binomial => "binomial",
        }
    }

    /// Bits per activation vector for L0 active features of D, B bits per value.
    pub fn bits(self, l0: f64, bits: f64, dict_size: u64) -> f64 {
        match self {
            Code::Naive => naive_bits(l0, bits, dict_size),
            Code::Binomial => binomial_bits(l0, bits, dict_size),
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Code {
    type Err = String;

    fn from_str(text: &str) -> Result<Code, String> {
        Code::ALL
            .into_iter()
            .find(|code| code.name() == text)
            .ok_or_else(|| format!("unknown code {text:?}; choose naive or binomial"))
    }
}

/// The seed's naive code: each of L0 active features costs B bits for its value and
/// log2 D bits to say which of D dictionary features it is: `L0 * (B + log2 D)` bits.
pub fn naive_bits(l0: f64, bits: f64, dict_size: u64) -> f64 {
    l0 * naive_bits_per_feature(bits, dict_size)
}

/// Whether `d` is a dictionary size: a whole number of features, at least 1 (log2 D is
/// then finite and at least 0). The one check every D passes, whatever gave it.
pub fn is_dict_size(d: i128) -> bool {
    (1..=i128::from(u64::MAX)).contains(&d)
}

/// What one active feature costs in the naive code: `B + log2 D` bits.
pub fn naive_bits_per_feature(bits: f64, dict_size: u64) -> f64 {
    bits + (dict_size as f64).log2()
}

/// How runs are priced: the code, B, and D (a run's own, unless fixed).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pricing {
    pub code: Code,
    pub bits: f64,
    /// D for runs that do not say theirs (or for every run when `fixed_dict_size`).
    pub dict_size: u64,
    pub fixed_dict_size: bool,
}

impl Pricing {
    /// The seed's pricing: naive code, B = 7, D = 12288 for every run.
    pub fn seed() -> Pricing {
        Pricing {
            code: Code::Naive,
            bits: 7.0,
            dict_size: 12288,
            fixed_dict_size: true,
        }
    }

    pub fn dict_for(&self, own: Option<u64>) -> u64 {
        match own {
            Some(d) if !self.fixed_dict_size && is_dict_size(d.into()) => d,
            _ => self.dict_size,
        }
    }

    pub fn price(&self, run: &crate::model::record::RunRef<'_>) -> (u64, f64) {
        let dict_size = self.dict_for(run.dict_size);
        (dict_size, self.code.bits(run.l0, self.bits, dict_size))
    }
}

/// `L0 * B + log2 C(D, L0)`, with the binomial coefficient through log-gamma so that large
/// D and a non-integer mean L0 stay exact to rounding. Outside `0 <= L0 <= D` it is NaN.
pub fn binomial_bits(l0: f64, bits: f64, dict_size: u64) -> f64 {
    l0 * bits + log2_binomial(dict_size as f64, l0)
}

/// `log2 C(n, k)` for real `0 <= k <= n`, via `ln Γ`.
pub fn log2_binomial(n: f64, k: f64) -> f64 {
    if !(k >= 0.0 && k <= n) {
        return f64::NAN;
    }
    let ln = libm::lgamma(n + 1.0) - libm::lgamma(k + 1.0) - libm::lgamma(n - k + 1.0);
    (ln / std::f64::consts::LN_2).max(0.0)
}

/// The dense baseline: every one of d_model raw values at B bits.
pub fn dense_bits(d_model: u64, bits: f64) -> f64 {
    d_model as f64 * bits
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

    #[test]
    fn log_binomial_matches_exact_small_cases() {
        // C(10, 3) = 120, C(52, 5) = 2598960, C(n, 0) = C(n, n) = 1.
        assert!((log2_binomial(10.0, 3.0) - 120f64.log2()).abs() < 1e-9);
        assert!((log2_binomial(52.0, 5.0) - 2_598_960f64.log2()).abs() < 1e-9);
        assert!(log2_binomial(12288.0, 0.0).abs() < 1e-9);
        assert!(log2_binomial(12288.0, 12288.0).abs() < 1e-6);
        assert!(log2_binomial(5.0, 6.0).is_nan());
    }

    #[test]
    fn log_binomial_is_stable_for_large_dictionaries() {
        // Sum of log2 terms, computed the slow exact way.
        let (n, k) = (1_000_000u64, 4096u64);
        let exact: f64 = (0..k).map(|i| ((n - i) as f64 / (k - i) as f64).log2()).sum();
        assert!((log2_binomial(n as f64, k as f64) - exact).abs() / exact < 1e-10);
    }

    #[test]
    fn binomial_never_costs_more_than_naive() {
        for l0 in [1.0, 64.0, 1023.5, 2957.2] {
            assert!(binomial_bits(l0, 7.0, 12288) <= naive_bits(l0, 7.0, 12288));
        }
    }

    #[test]
    fn codes_parse_by_name() {
        assert_eq!("binomial".parse::<Code>(), Ok(Code::Binomial));
        assert!("gzip".parse::<Code>().is_err());
    }
}
