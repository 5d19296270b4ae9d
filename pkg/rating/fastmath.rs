//! Branch-free `exp` and `ln`, and the CPU-feature dispatch of the hot loops.
//!
//! Why this exists: the fits spend their time in loops over the cells of a
//! pair table, and each cell needs an exponential (and the likelihood a
//! logarithm). A call into libm stops the compiler from vectorising such a
//! loop; these two functions are plain arithmetic and bit operations, so a
//! loop that calls them becomes SIMD code. They are accurate to a few units
//! in the last place (tests below compare them with `std` over the whole
//! range the fits use), which is far below any tolerance of the engine.
//!
//! [`with_avx2!`](crate::with_avx2) compiles a function twice, once for the
//! baseline target and once with AVX2 enabled, and picks the AVX2 copy at run
//! time when the CPU has it. No fused multiply-add is enabled, and every
//! reduction's order is written out in the code, so both copies give
//! bit-identical results: a seeded bootstrap prints the same intervals on any
//! x86-64 machine.

/// `eˣ` for any finite `x`, correct to about 2 ulp; arguments beyond
/// ±708 are clamped (the result saturates near the f64 range limits). NaN
/// gives NaN.
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    const LOG2_E: f64 = std::f64::consts::LOG2_E;
    // ln 2 split so that n·LN2_HI is exact for |n| < 2^11.
    const LN2_HI: f64 = 6.931_471_803_691_238_2e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    // Adding 1.5·2^52 rounds to an integer kept in the low mantissa bits.
    const SHIFTER: f64 = 6_755_399_441_055_744.0;
    let x = x.clamp(-708.0, 708.0);
    let shifted = x * LOG2_E + SHIFTER;
    let n = shifted - SHIFTER;
    let r = (x - n * LN2_HI) - n * LN2_LO; // |r| ≤ 0.35
                                           // Taylor series of eʳ to degree 12: the remainder is below 2e-16·eʳ.
    let mut p = 1.0 / 479_001_600.0;
    p = p * r + 1.0 / 39_916_800.0;
    p = p * r + 1.0 / 3_628_800.0;
    p = p * r + 1.0 / 362_880.0;
    p = p * r + 1.0 / 40_320.0;
    p = p * r + 1.0 / 5_040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    // 2ⁿ: the low 12 bits of `shifted` hold n (two's complement); add the
    // exponent bias and move them into the exponent field.
    let scale = f64::from_bits(shifted.to_bits().wrapping_add(1023) << 52);
    p * scale
}

/// `ln x` for finite `x > 0` (normal numbers), correct to about 2 ulp.
/// Zero, negative, subnormal or non-finite arguments give meaningless
/// results: callers pass values known to be in range.
#[inline(always)]
pub fn ln(x: f64) -> f64 {
    const LN_2: f64 = std::f64::consts::LN_2;
    const SQRT_HALF_BITS: u64 = 0x3FE6_A09E_667F_3BCD; // √½
    let bits = x.to_bits();
    // Pick the exponent e so that m = x / 2^e lies in [√½, √2).
    let shifted = bits.wrapping_sub(SQRT_HALF_BITS);
    // The top 12 bits of `shifted` are e (two's complement). Biased by 1024
    // they are a small positive integer, converted to f64 through the
    // mantissa of 2^52 (no integer-to-float instruction: it vectorises).
    let biased = shifted.wrapping_add(1024 << 52) >> 52;
    let e = f64::from_bits(0x4330_0000_0000_0000 | biased) - (4_503_599_627_370_496.0 + 1024.0);
    let m = f64::from_bits(bits.wrapping_sub(shifted & 0xFFF0_0000_0000_0000));
    // ln m = 2·atanh(s), s = (m − 1)/(m + 1), |s| ≤ 0.172: odd series to s²³.
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let mut q = 1.0 / 23.0;
    q = q * s2 + 1.0 / 21.0;
    q = q * s2 + 1.0 / 19.0;
    q = q * s2 + 1.0 / 17.0;
    q = q * s2 + 1.0 / 15.0;
    q = q * s2 + 1.0 / 13.0;
    q = q * s2 + 1.0 / 11.0;
    q = q * s2 + 1.0 / 9.0;
    q = q * s2 + 1.0 / 7.0;
    q = q * s2 + 1.0 / 5.0;
    q = q * s2 + 1.0 / 3.0;
    let ln_m = 2.0 * s + 2.0 * s * s2 * q;
    e * LN_2 + ln_m
}

/// Whether the AVX2 copies of [`with_avx2!`](crate::with_avx2) functions run.
#[inline]
pub fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Defines a function whose body is compiled twice, for the baseline CPU and
/// with AVX2, and runs the AVX2 copy when the CPU supports it. The body must
/// only call `#[inline(always)]` helpers (or closures) for them to be
/// compiled with AVX2 too. Generic parameters are not supported.
#[macro_export]
macro_rules! with_avx2 {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident : $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block) => {
        $(#[$meta])* $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[inline(always)]
            fn portable($($arg: $ty),*) $(-> $ret)? $body
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2")]
                unsafe fn avx2($($arg: $ty),*) $(-> $ret)? { portable($($arg),*) }
                if $crate::rating::fastmath::has_avx2() {
                    // SAFETY: the CPU was just checked to support AVX2.
                    return unsafe { avx2($($arg),*) };
                }
            }
            portable($($arg),*)
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Relative error in units of f64 epsilon.
    fn ulps(got: f64, want: f64) -> f64 {
        ((got - want) / want).abs() / f64::EPSILON
    }

    #[test]
    fn exp_matches_std_over_the_range() {
        let mut worst: f64 = 0.0;
        let mut x: f64 = -708.0;
        while x <= 708.0 {
            worst = worst.max(ulps(exp(x), x.exp()));
            x += 0.001_37;
        }
        for &x in &[0.0, 1e-300, -1e-20, 0.5, -0.5, 1.0, 30.0, -30.0] {
            worst = worst.max(ulps(exp(x), x.exp()));
        }
        assert!(worst < 4.0, "worst error {worst} ulp");
        assert_eq!(exp(0.0), 1.0);
        assert!(exp(-1e6) >= 0.0 && exp(-1e6) < 1e-300);
        assert!(exp(1e6).is_finite() && exp(1e6) > 1e307);
        assert!(exp(f64::NAN).is_nan());
    }

    #[test]
    fn ln_matches_std_over_the_range() {
        let mut worst: f64 = 0.0;
        let mut x: f64 = 1e-300;
        while x < 1e300 {
            for f in [1.0, 1.000_000_1, 1.3, 1.414_213, 1.414_214, 1.9, 1.999_999] {
                let v = x * f;
                let want = v.ln();
                if want != 0.0 {
                    worst = worst.max(ulps(ln(v), want));
                }
            }
            x *= 1.7;
        }
        // Near 1 the result is small, and still relatively accurate.
        let mut y: f64 = 0.5;
        while y < 2.0 {
            if y != 1.0 {
                worst = worst.max(ulps(ln(y), y.ln()));
            }
            y += 0.000_731;
        }
        for &y in &[1.0 + 1e-12, 1.0 - 1e-12, f64::MIN_POSITIVE, f64::MAX] {
            worst = worst.max(ulps(ln(y), y.ln()));
        }
        assert_eq!(ln(1.0), 0.0);
        assert!(worst < 4.0, "worst error {worst} ulp");
    }

    crate::with_avx2! {
        fn sum_of_exps(xs: &[f64]) -> f64 {
            xs.iter().map(|&x| exp(x)).sum()
        }
    }

    #[test]
    fn dispatched_function_runs() {
        let xs: Vec<f64> = (0..100).map(|i| i as f64 * 0.01).collect();
        let want: f64 = xs.iter().map(|&x| exp(x)).sum();
        assert_eq!(sum_of_exps(&xs), want);
    }
}
