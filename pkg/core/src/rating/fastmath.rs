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
//! bit-identical results: a seeded bootstrap prints the same intervals with
//! or without AVX2 (`ARENAWATT_NO_AVX2=1` forces the baseline copies).

/// ln 2 split in two so that n·LN2_HI is exact for |n| < 2^11 (its low 21
/// mantissa bits are zero), and LN2_LO the rest.
const LN2_HI: f64 = f64::from_bits(0x3FE6_2E42_FEE0_0000);
const LN2_LO: f64 = f64::from_bits(0x3DEA_39EF_3579_3C76);

/// 1/k! for k = 0..=6, then k = 7..=12: the Taylor coefficients of eʳ.
const EXP_TAYLOR_LOW: (f64, f64, f64, f64, f64, f64, f64) = (
    1.0,
    1.0,
    0.5,
    1.0 / 6.0,
    1.0 / 24.0,
    1.0 / 120.0,
    1.0 / 720.0,
);
const EXP_TAYLOR_HIGH: (f64, f64, f64, f64, f64, f64) = (
    1.0 / 5_040.0,
    1.0 / 40_320.0,
    1.0 / 362_880.0,
    1.0 / 3_628_800.0,
    1.0 / 39_916_800.0,
    1.0 / 479_001_600.0,
);

/// `eˣ` for any finite `x`, correct to about 2 ulp; arguments beyond
/// ±708 are clamped (the result saturates near the f64 range limits). NaN
/// gives NaN.
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    const LOG2_E: f64 = std::f64::consts::LOG2_E;
    // Adding 1.5·2^52 rounds to an integer kept in the low mantissa bits.
    const SHIFTER: f64 = 6_755_399_441_055_744.0;
    let x = x.clamp(-708.0, 708.0);
    let shifted = x * LOG2_E + SHIFTER;
    let n = shifted - SHIFTER;
    let r = (x - n * LN2_HI) - n * LN2_LO; // |r| ≤ 0.35
                                           // Taylor series of eʳ to degree 12 (the remainder is below 2e-16·eʳ),
                                           // evaluated by Estrin's scheme: pairs of terms, then powers r², r⁴, r⁸.
                                           // Its dependency chain is four multiply-adds deep instead of Horner's
                                           // twelve, so loops of independent exponentials overlap well.
    let r2 = r * r;
    let r4 = r2 * r2;
    let r8 = r4 * r4;
    let (c0, c1, c2, c3, c4, c5, c6) = EXP_TAYLOR_LOW;
    let (c7, c8, c9, c10, c11, c12) = EXP_TAYLOR_HIGH;
    let q0 = c0 + c1 * r;
    let q1 = c2 + c3 * r;
    let q2 = c4 + c5 * r;
    let q3 = c6 + c7 * r;
    let q4 = c8 + c9 * r;
    let q5 = c10 + c11 * r;
    let w0 = q0 + q1 * r2;
    let w1 = q2 + q3 * r2;
    let w2 = q4 + q5 * r2;
    let z0 = w0 + w1 * r4;
    let z1 = w2 + c12 * r4;
    let p = z0 + z1 * r8;
    // 2ⁿ: the low 12 bits of `shifted` hold n (two's complement); add the
    // exponent bias and move them into the exponent field.
    let scale = f64::from_bits(shifted.to_bits().wrapping_add(1023) << 52);
    p * scale
}

/// [`exp`] on four lanes with AVX2 intrinsics, operation for operation (the
/// same results bit for bit), for code written with intrinsics.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
pub unsafe fn exp_avx2(x: std::arch::x86_64::__m256d) -> std::arch::x86_64::__m256d {
    use std::arch::x86_64::*;
    const SHIFTER: f64 = 6_755_399_441_055_744.0;
    let x = _mm256_min_pd(
        _mm256_max_pd(x, _mm256_set1_pd(-708.0)),
        _mm256_set1_pd(708.0),
    );
    let shifted = _mm256_add_pd(
        _mm256_mul_pd(x, _mm256_set1_pd(std::f64::consts::LOG2_E)),
        _mm256_set1_pd(SHIFTER),
    );
    let n = _mm256_sub_pd(shifted, _mm256_set1_pd(SHIFTER));
    let r = _mm256_sub_pd(
        _mm256_sub_pd(x, _mm256_mul_pd(n, _mm256_set1_pd(LN2_HI))),
        _mm256_mul_pd(n, _mm256_set1_pd(LN2_LO)),
    );
    let (c0, c1, c2, c3, c4, c5, c6) = EXP_TAYLOR_LOW;
    let (c7, c8, c9, c10, c11, c12) = EXP_TAYLOR_HIGH;
    let r2 = _mm256_mul_pd(r, r);
    let r4 = _mm256_mul_pd(r2, r2);
    let r8 = _mm256_mul_pd(r4, r4);
    // a + b·x, as the scalar code writes it.
    let madd =
        |a: f64, b: __m256d, x: __m256d| _mm256_add_pd(_mm256_set1_pd(a), _mm256_mul_pd(b, x));
    let q0 = madd(c0, _mm256_set1_pd(c1), r);
    let q1 = madd(c2, _mm256_set1_pd(c3), r);
    let q2 = madd(c4, _mm256_set1_pd(c5), r);
    let q3 = madd(c6, _mm256_set1_pd(c7), r);
    let q4 = madd(c8, _mm256_set1_pd(c9), r);
    let q5 = madd(c10, _mm256_set1_pd(c11), r);
    let w0 = _mm256_add_pd(q0, _mm256_mul_pd(q1, r2));
    let w1 = _mm256_add_pd(q2, _mm256_mul_pd(q3, r2));
    let w2 = _mm256_add_pd(q4, _mm256_mul_pd(q5, r2));
    let z0 = _mm256_add_pd(w0, _mm256_mul_pd(w1, r4));
    let z1 = _mm256_add_pd(w2, _mm256_mul_pd(_mm256_set1_pd(c12), r4));
    let p = _mm256_add_pd(z0, _mm256_mul_pd(z1, r8));
    let scale = _mm256_slli_epi64::<52>(_mm256_add_epi64(
        _mm256_castpd_si256(shifted),
        _mm256_set1_epi64x(1023),
    ));
    _mm256_mul_pd(p, _mm256_castsi256_pd(scale))
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

/// Whether the AVX2 copies of [`with_avx2!`](crate::with_avx2) functions
/// (and of the other AVX2 code of the rating engine) run: when the CPU has
/// AVX2, unless the environment variable `ARENAWATT_NO_AVX2` is set (to
/// compare or time the portable code; the results are the same).
#[inline]
pub fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        static ENABLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *ENABLED.get_or_init(|| {
            std::is_x86_feature_detected!("avx2") && std::env::var_os("ARENAWATT_NO_AVX2").is_none()
        })
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
            let root2 = std::f64::consts::SQRT_2;
            for f in [
                1.0,
                1.000_000_1,
                1.3,
                root2 * (1.0 - 1e-7),
                root2 * (1.0 + 1e-7),
                1.9,
                1.999_999,
            ] {
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

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_avx2_exp_equals_the_scalar_one() {
        use std::arch::x86_64::*;
        if !has_avx2() {
            return;
        }
        let mut x: f64 = -800.0;
        while x < 800.0 {
            let xs = [x, x * 0.5, -x * 0.01, x * 1e-3];
            let mut got = [0.0; 4];
            // SAFETY: AVX2 was detected; 4 f64 are loaded and stored.
            unsafe {
                _mm256_storeu_pd(got.as_mut_ptr(), exp_avx2(_mm256_loadu_pd(xs.as_ptr())));
            }
            assert_eq!(got, xs.map(exp), "at {xs:?}");
            x += 0.0917;
        }
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
