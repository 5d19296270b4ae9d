//! [`LANES`] independent random generators stepped together, one per
//! bootstrap replicate of a group.
//!
//! The bootstrap refits replicates [`LANES`] at a time, with the replicates
//! as the lanes of SIMD arithmetic (see [`super::bootstrap`]); their random
//! numbers come the same way. Each lane is its own xoshiro256++ generator
//! (Blackman and Vigna, 2018: 256 bits of state, period 2²⁵⁶ − 1), seeded
//! from the replicate's 64-bit seed through SplitMix64 as its authors
//! recommend. A step is only additions, xors, shifts and rotations on 64-bit
//! integers, which vectorise on every x86-64 CPU, so the four generators cost
//! about as much as one.
//!
//! Every step advances every lane. A lane that no longer needs numbers (its
//! Poisson draw was accepted) skips them; which ones it skips depends only on
//! the draws of its group, so the whole is deterministic for a seed.

/// Replicates per group: four f64 lanes fill an AVX2 register (two SSE2 ones).
pub const LANES: usize = 4;

/// SplitMix64 step: the next seed-expansion output.
#[inline]
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The four state words of each lane, word-major so a step is lane-wise.
#[derive(Debug, Clone)]
pub struct LaneRng {
    s: [[u64; LANES]; 4],
}

impl LaneRng {
    /// One generator per lane, seeded from `seeds[lane]`.
    pub fn new(seeds: [u64; LANES]) -> Self {
        let mut s = [[0u64; LANES]; 4];
        for (lane, &seed) in seeds.iter().enumerate() {
            let mut expander = seed;
            for word in s.iter_mut() {
                word[lane] = splitmix64(&mut expander);
            }
            // An all-zero state would stay zero; SplitMix64 never gives four
            // zero words in a row, but guard it anyway.
            if s.iter().all(|w| w[lane] == 0) {
                s[0][lane] = 1;
            }
        }
        Self { s }
    }

    /// The next 64 random bits of every lane (xoshiro256++).
    #[inline(always)]
    pub fn next_bits(&mut self) -> [u64; LANES] {
        let [s0, s1, s2, s3] = &mut self.s;
        let mut out = [0u64; LANES];
        for l in 0..LANES {
            out[l] = s0[l]
                .wrapping_add(s3[l])
                .rotate_left(23)
                .wrapping_add(s0[l]);
            let t = s1[l] << 17;
            s2[l] ^= s0[l];
            s3[l] ^= s1[l];
            s1[l] ^= s2[l];
            s0[l] ^= s3[l];
            s2[l] ^= t;
            s3[l] = s3[l].rotate_left(45);
        }
        out
    }

    /// A uniform draw in [0, 1) on 52 bits for every lane: the top 52 bits
    /// become the mantissa of a number in [1, 2), minus 1 (no integer to
    /// float conversion, which x86-64 cannot vectorise).
    #[inline(always)]
    pub fn next_units(&mut self) -> [f64; LANES] {
        let bits = self.next_bits();
        let mut out = [0.0; LANES];
        for l in 0..LANES {
            out[l] = f64::from_bits((bits[l] >> 12) | 0x3FF0_0000_0000_0000) - 1.0;
        }
        out
    }

    /// The state in AVX2 registers, for loops written with intrinsics; put
    /// it back with [`LaneRng::store_avx2`].
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    #[inline]
    pub fn load_avx2(&self) -> LaneRngAvx2 {
        use std::arch::x86_64::*;
        // SAFETY: each word is 4 u64 = 32 bytes, read unaligned.
        let load = |w: &[u64; LANES]| unsafe { _mm256_loadu_si256(w.as_ptr().cast()) };
        LaneRngAvx2 {
            s: [
                load(&self.s[0]),
                load(&self.s[1]),
                load(&self.s[2]),
                load(&self.s[3]),
            ],
        }
    }

    /// Takes back the state advanced in registers.
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    #[inline]
    pub fn store_avx2(&mut self, state: &LaneRngAvx2) {
        use std::arch::x86_64::*;
        for (word, value) in self.s.iter_mut().zip(state.s) {
            // SAFETY: each word is 4 u64 = 32 bytes, written unaligned.
            unsafe { _mm256_storeu_si256(word.as_mut_ptr().cast(), value) };
        }
    }
}

/// A [`LaneRng`]'s state held in four AVX2 registers.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
pub struct LaneRngAvx2 {
    s: [std::arch::x86_64::__m256i; 4],
}

#[cfg(target_arch = "x86_64")]
impl LaneRngAvx2 {
    /// [`LaneRng::next_units`] with AVX2 instructions: the same numbers.
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    #[inline]
    pub fn next_units(&mut self) -> std::arch::x86_64::__m256d {
        use std::arch::x86_64::*;
        let [s0, s1, s2, s3] = &mut self.s;
        let sum = _mm256_add_epi64(*s0, *s3);
        let rotated = _mm256_or_si256(_mm256_slli_epi64::<23>(sum), _mm256_srli_epi64::<41>(sum));
        let out = _mm256_add_epi64(rotated, *s0);
        let t = _mm256_slli_epi64::<17>(*s1);
        *s2 = _mm256_xor_si256(*s2, *s0);
        *s3 = _mm256_xor_si256(*s3, *s1);
        *s1 = _mm256_xor_si256(*s1, *s2);
        *s0 = _mm256_xor_si256(*s0, *s3);
        *s2 = _mm256_xor_si256(*s2, t);
        *s3 = _mm256_or_si256(_mm256_slli_epi64::<45>(*s3), _mm256_srli_epi64::<19>(*s3));
        let mantissa = _mm256_or_si256(
            _mm256_srli_epi64::<12>(out),
            _mm256_set1_epi64x(0x3FF0_0000_0000_0000),
        );
        _mm256_sub_pd(_mm256_castsi256_pd(mantissa), _mm256_set1_pd(1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The generator is xoshiro256++: from the state (1, 2, 3, 4) its
    /// authors' reference implementation starts 41943041, 58720359, …
    #[test]
    fn lanes_follow_the_xoshiro256plusplus_sequence() {
        let mut rng = LaneRng {
            s: [[1; LANES], [2; LANES], [3; LANES], [4; LANES]],
        };
        let first: Vec<u64> = (0..3).map(|_| rng.next_bits()[2]).collect();
        assert_eq!(first, vec![41_943_041, 58_720_359, 3_588_806_011_781_223]);
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_avx2_step_gives_the_same_numbers() {
        if !std::is_x86_feature_detected!("avx2") {
            return;
        }
        let mut a = LaneRng::new([11, 12, 13, 14]);
        let mut b = a.clone();
        // SAFETY (all three blocks): AVX2 was detected above.
        let mut registers = unsafe { b.load_avx2() };
        for _ in 0..1000 {
            let mut got = [0.0; LANES];
            // `got` holds 4 f64.
            unsafe {
                std::arch::x86_64::_mm256_storeu_pd(got.as_mut_ptr(), registers.next_units());
            }
            assert_eq!(got, a.next_units());
        }
        unsafe { b.store_avx2(&registers) };
        assert_eq!(a.next_bits(), b.next_bits());
    }

    #[test]
    fn lanes_are_independent_streams_and_units_are_uniform() {
        let mut rng = LaneRng::new([7, 8, 9, 7]);
        let n = 100_000;
        let mut sums = [0.0; LANES];
        let mut same_as_lane3 = 0;
        for _ in 0..n {
            let u = rng.next_units();
            for l in 0..LANES {
                assert!((0.0..1.0).contains(&u[l]));
                sums[l] += u[l];
            }
            if u[1] == u[3] {
                same_as_lane3 += 1;
            }
            // Lanes seeded alike give the same stream.
            assert_eq!(u[0], u[3]);
        }
        assert_eq!(same_as_lane3, 0);
        for s in sums {
            // Mean 1/2, standard error sqrt(1/12/n) = 0.0009.
            assert!((s / n as f64 - 0.5).abs() < 0.005, "mean {}", s / n as f64);
        }
    }
}
