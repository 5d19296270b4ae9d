//! [`CountLaws::sample_lanes`] written with AVX2 intrinsics.
//!
//! The compiler does not turn the portable lane code into good SIMD code (a
//! rejection step mixes masks, a table lookup and an exponential), and the
//! bootstrap spends most of its time here. This copy performs the same IEEE
//! operations in the same order, lane by lane, and consumes the random
//! numbers in the same order — the same xoshiro steps (kept in registers),
//! the same candidate, squeeze and exact test, the same exponential as
//! [`fastmath::exp`] — so it returns exactly the same draws; a unit test in
//! the parent module checks it.

use std::arch::x86_64::*;

use super::{
    log_factorial_table, tabulated_log_factorial, CountLaws, DrawScratch, Owed, Ptrs, ALL_LANES,
};
use crate::rating::fastmath;
use crate::rating::lane_rng::{LaneRng, LaneRngAvx2, LANES};

fn to_array(v: __m256d) -> [f64; LANES] {
    let mut out = [0.0; LANES];
    // SAFETY: `out` holds 4 f64; the unaligned store needs no alignment.
    unsafe { _mm256_storeu_pd(out.as_mut_ptr(), v) };
    out
}

#[target_feature(enable = "avx2")]
#[inline]
fn store(slot: &mut [f64; LANES], v: __m256d) {
    // SAFETY: a slot holds 4 f64; the unaligned store needs no alignment.
    unsafe { _mm256_storeu_pd(slot.as_mut_ptr(), v) };
}

impl Ptrs {
    /// `Ptrs::attempt_lanes` with AVX2: the candidates and the mask of the
    /// accepted lanes.
    #[target_feature(enable = "avx2")]
    #[inline]
    fn attempt_avx2(&self, rng: &mut LaneRngAvx2, table: &[f64]) -> (__m256d, __m256d) {
        let zero = _mm256_setzero_pd();
        let half = _mm256_set1_pd(0.5);
        let uniform = rng.next_units();
        let v = rng.next_units();
        let u = _mm256_sub_pd(uniform, half);
        let us = _mm256_sub_pd(half, _mm256_andnot_pd(_mm256_set1_pd(-0.0), u));
        let inv_us = _mm256_div_pd(_mm256_set1_pd(1.0), us);
        let t = _mm256_add_pd(
            _mm256_add_pd(
                _mm256_mul_pd(
                    _mm256_add_pd(
                        _mm256_mul_pd(_mm256_set1_pd(2.0 * self.a), inv_us),
                        _mm256_set1_pd(self.b),
                    ),
                    u,
                ),
                _mm256_set1_pd(self.mean),
            ),
            _mm256_set1_pd(0.43),
        );
        let highest = _mm256_set1_pd(super::ROUNDER / 2.0);
        let k = _mm256_floor_pd(_mm256_min_pd(_mm256_max_pd(t, zero), highest));
        let squeezed = _mm256_and_pd(
            _mm256_cmp_pd::<_CMP_GE_OQ>(us, _mm256_set1_pd(0.07)),
            _mm256_cmp_pd::<_CMP_LE_OQ>(v, _mm256_set1_pd(self.v_r)),
        );
        let hopeless = _mm256_and_pd(
            _mm256_cmp_pd::<_CMP_LT_OQ>(us, _mm256_set1_pd(0.013)),
            _mm256_cmp_pd::<_CMP_GT_OQ>(v, us),
        );
        // ln k! from the table; a k past its end (means in the thousands)
        // takes the scalar formula.
        let last = _mm256_set1_pd((table.len() - 1) as f64);
        let log_factorial = if _mm256_movemask_pd(_mm256_cmp_pd::<_CMP_GT_OQ>(k, last)) == 0 {
            // Four scalar loads: AMD's gather instruction is slower here.
            let index = _mm256_cvttpd_epi32(k);
            let at = |i: i32| table[i as usize];
            let low = _mm_set_pd(
                at(_mm_extract_epi32::<1>(index)),
                at(_mm_cvtsi128_si32(index)),
            );
            let high = _mm_set_pd(
                at(_mm_extract_epi32::<3>(index)),
                at(_mm_extract_epi32::<2>(index)),
            );
            _mm256_set_m128d(high, low)
        } else {
            let values = to_array(k).map(tabulated_log_factorial);
            // SAFETY: 4 f64 are read from a 4-element array.
            unsafe { _mm256_loadu_pd(values.as_ptr()) }
        };
        let log_pmf = _mm256_sub_pd(
            _mm256_add_pd(
                _mm256_set1_pd(-self.mean),
                _mm256_mul_pd(k, _mm256_set1_pd(self.log_mean)),
            ),
            log_factorial,
        );
        // SAFETY: AVX2 is enabled in this function.
        let pmf_alpha = unsafe {
            fastmath::exp_avx2(_mm256_sub_pd(log_pmf, _mm256_set1_pd(self.log_inv_alpha)))
        };
        let bound = _mm256_mul_pd(
            _mm256_add_pd(
                _mm256_mul_pd(_mm256_set1_pd(self.a), _mm256_mul_pd(inv_us, inv_us)),
                _mm256_set1_pd(self.b),
            ),
            pmf_alpha,
        );
        let passes = _mm256_or_pd(squeezed, _mm256_cmp_pd::<_CMP_LE_OQ>(v, bound));
        let open = _mm256_andnot_pd(hopeless, _mm256_cmp_pd::<_CMP_GE_OQ>(t, zero));
        (k, _mm256_and_pd(open, passes))
    }
}

/// `CountLaws::sample_lanes_portable`, step for step.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub unsafe fn sample_lanes(
    laws: &CountLaws,
    rng: &mut LaneRng,
    out: &mut [[f64; LANES]],
    scratch: &mut DrawScratch,
) {
    let mut state = rng.load_avx2();
    let table = log_factorial_table();
    let zero = _mm256_setzero_pd();
    for &slot in &laws.zero {
        store(&mut out[slot as usize], zero);
    }
    let one = _mm256_set1_pd(1.0);
    for (slot, cumulative) in &laws.inversion {
        let u = state.next_units();
        let mut k = zero;
        for &c in cumulative.iter() {
            let at_or_below = _mm256_cmp_pd::<_CMP_LE_OQ>(_mm256_set1_pd(c), u);
            k = _mm256_add_pd(k, _mm256_and_pd(at_or_below, one));
        }
        let last = _mm256_set1_pd((cumulative.len() - 1) as f64);
        store(&mut out[*slot as usize], _mm256_min_pd(k, last));
    }
    // First round. The owed list is written without a branch: every law is
    // written at the end, which moves on only when the law is owed.
    let owed = &mut scratch.owed;
    owed.clear();
    owed.resize(laws.rejection.len(), Owed { law: 0, done: 0 });
    let mut owed_len = 0;
    for (law, (ptrs, &slot)) in laws.rejection.iter().zip(&laws.rejection_slots).enumerate() {
        let (k, accepted) = ptrs.attempt_avx2(&mut state, table);
        store(&mut out[slot as usize], _mm256_and_pd(k, accepted));
        let done = _mm256_movemask_pd(accepted) as u32;
        owed[owed_len] = Owed {
            law: law as u32,
            done,
        };
        owed_len += (done != ALL_LANES) as usize;
    }
    owed.truncate(owed_len);
    // Later rounds, without branches either: the accepted lanes not drawn
    // yet are blended into the slot, and the list is compacted in place.
    while !owed.is_empty() {
        let mut kept = 0;
        for i in 0..owed.len() {
            let Owed { law, done } = owed[i];
            let law = law as usize;
            let (k, accepted) = laws.rejection[law].attempt_avx2(&mut state, table);
            let slot = &mut out[laws.rejection_slots[law] as usize];
            let not_done = _mm256_castsi256_pd(_mm256_cmpeq_epi64(
                _mm256_and_si256(
                    _mm256_set1_epi64x(done as i64),
                    _mm256_set_epi64x(8, 4, 2, 1),
                ),
                _mm256_setzero_si256(),
            ));
            let taken = _mm256_and_pd(accepted, not_done);
            // SAFETY: a slot holds 4 f64, read unaligned.
            let previous = unsafe { _mm256_loadu_pd(slot.as_ptr()) };
            store(slot, _mm256_blendv_pd(previous, k, taken));
            let done = done | _mm256_movemask_pd(taken) as u32;
            owed[kept] = Owed {
                law: law as u32,
                done,
            };
            kept += (done != ALL_LANES) as usize;
        }
        owed.truncate(kept);
    }
    rng.store_avx2(&state);
}
