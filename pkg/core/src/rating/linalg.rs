//! Dense symmetric linear algebra for the fits: a Cholesky factor, solves and
//! the inverse. The information matrices of a BT fit are small (one row per
//! model, a few hundred at most), dense after the gauge fix, and positive
//! definite, so a hand-written Cholesky beats pulling in a linear algebra
//! crate.
//!
//! Speed: on Chatbot Arena's 129 models a fit factors six times and the
//! sandwich inverts once, so these kernels dominate both. They are written
//! as updates of contiguous rows, `x ← x − c·y` (no dot products, whose
//! reductions the compiler may not reorder), which vectorise as they stand:
//! the factor is the right-looking ("outer product") Cholesky on the upper
//! triangle `U = Lᵀ`, and the inverse is `L⁻ᵀL⁻¹ = Σₖ wₖᵀwₖ` over the rows
//! `wₖ` of `L⁻¹`. Each sweep applies four source rows at once, so a target
//! row is loaded and stored once per four updates; the updates still reach
//! every entry one at a time in the textbook order, so blocking changes no
//! bit of the result (the tests compare with the unblocked algorithms). The
//! kernels are also compiled for AVX2 and picked at run time
//! ([`crate::with_avx2`]); both copies do the same operations in the same
//! order (no fused multiply-add), so results do not depend on the CPU.

/// Cholesky factor of a symmetric positive definite matrix `A = L Lᵀ`,
/// stored as the upper-triangular `U = Lᵀ`, row-major (`n × n`, lower part
/// zero): row `j` of `U` is column `j` of `L`.
#[derive(Debug, Clone)]
pub struct Cholesky {
    n: usize,
    upper: Vec<f64>,
}

/// Dot product with four lane accumulators (lane `k mod 4`) summed as
/// `(l0 + l1) + (l2 + l3)`, then the tail in order: pipelined, and the same
/// in every compiled copy.
#[inline(always)]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let len = a.len().min(b.len());
    let (a, b) = (&a[..len], &b[..len]);
    let mut acc = [0.0f64; 4];
    let chunks = len / 4;
    for (ca, cb) in a.chunks_exact(4).zip(b.chunks_exact(4)) {
        for l in 0..4 {
            acc[l] += ca[l] * cb[l];
        }
    }
    let mut sum = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for i in chunks * 4..len {
        sum += a[i] * b[i];
    }
    sum
}

/// `x ← x − c·y`.
#[inline(always)]
fn sub_scaled(x: &mut [f64], c: f64, y: &[f64]) {
    for (x, y) in x.iter_mut().zip(y) {
        *x -= c * y;
    }
}

/// `x ← (((x − c₀y₀) − c₁y₁) − c₂y₂) − c₃y₃`, entry by entry.
#[inline(always)]
fn sub_scaled4(x: &mut [f64], c: [f64; 4], y: [&[f64]; 4]) {
    let len = x.len();
    let (y0, y1, y2, y3) = (&y[0][..len], &y[1][..len], &y[2][..len], &y[3][..len]);
    for ((((x, y0), y1), y2), y3) in x.iter_mut().zip(y0).zip(y1).zip(y2).zip(y3) {
        *x = (((*x - c[0] * y0) - c[1] * y1) - c[2] * y2) - c[3] * y3;
    }
}

/// [`sub_scaled4`] on two rows at once, `x0` with `c0` and `x1` with `c1`,
/// sharing the loads of `y`.
#[inline(always)]
fn sub_scaled4_twice(x0: &mut [f64], x1: &mut [f64], c0: [f64; 4], c1: [f64; 4], y: [&[f64]; 4]) {
    let len = x0.len();
    let x1 = &mut x1[..len];
    let (y0, y1, y2, y3) = (&y[0][..len], &y[1][..len], &y[2][..len], &y[3][..len]);
    for (((((a, b), y0), y1), y2), y3) in x0.iter_mut().zip(x1).zip(y0).zip(y1).zip(y2).zip(y3) {
        *a = (((*a - c0[0] * y0) - c0[1] * y1) - c0[2] * y2) - c0[3] * y3;
        *b = (((*b - c1[0] * y0) - c1[1] * y1) - c1[2] * y2) - c1[3] * y3;
    }
}

/// `x ← (((x + c₀y₀) + c₁y₁) + c₂y₂) + c₃y₃`, entry by entry.
#[inline(always)]
fn add_scaled4(x: &mut [f64], c: [f64; 4], y: [&[f64]; 4]) {
    let len = x.len();
    let (y0, y1, y2, y3) = (&y[0][..len], &y[1][..len], &y[2][..len], &y[3][..len]);
    for ((((x, y0), y1), y2), y3) in x.iter_mut().zip(y0).zip(y1).zip(y2).zip(y3) {
        *x = (((*x + c[0] * y0) + c[1] * y1) + c[2] * y2) + c[3] * y3;
    }
}

/// Right-looking Cholesky into `u` (`n × n`, zeroed) from the upper triangle
/// of `a`: for each pivot row `j`, `U[j][j..] = W[j][j..] / √W[j][j]`, then
/// every later row `i` gets `W[i][i..] −= U[j][i]·U[j][i..]`. Pivots are
/// taken four at a time: the four rows are finished among themselves, then
/// swept over the trailing rows together. Returns false when a pivot is not
/// positive, infinite or NaN.
#[cfg(test)]
#[inline(always)]
fn factor_body(a: &[f64], n: usize, u: &mut [f64]) -> bool {
    for j in 0..n {
        u[j * n + j..j * n + n].copy_from_slice(&a[j * n + j..j * n + n]);
    }
    factor_in_place_body(n, u)
}

/// [`factor_body`] on `u` already holding the upper triangle of `A`.
#[inline(always)]
fn factor_in_place_body(n: usize, u: &mut [f64]) -> bool {
    const BLOCK: usize = 4;
    let mut j = 0;
    while j < n {
        let block = (n - j).min(BLOCK);
        for r in j..j + block {
            let pivot = u[r * n + r];
            // Also refuses NaN, which compares false with everything.
            if !(pivot > 0.0 && pivot.is_finite()) {
                return false;
            }
            let d = pivot.sqrt();
            u[r * n + r] = d;
            for x in u[r * n + r + 1..r * n + n].iter_mut() {
                *x /= d;
            }
            for s in r + 1..j + block {
                let (head, tail) = u.split_at_mut(s * n);
                let row_r = &head[r * n..r * n + n];
                sub_scaled(&mut tail[s..n], row_r[s], &row_r[s..n]);
            }
        }
        if block == BLOCK {
            let (head, tail) = u.split_at_mut((j + BLOCK) * n);
            let rows: [&[f64]; BLOCK] =
                std::array::from_fn(|t| &head[(j + t) * n..(j + t + 1) * n]);
            // Two target rows at a time share the loads of the pivot rows.
            let mut pairs = tail.chunks_exact_mut(2 * n);
            let mut i = j + BLOCK;
            for pair in pairs.by_ref() {
                let (first, second) = pair.split_at_mut(n);
                let (c0, c1) = (rows.map(|row| row[i]), rows.map(|row| row[i + 1]));
                sub_scaled4(&mut first[i..=i], c0, rows.map(|row| &row[i..=i]));
                let y = rows.map(|row| &row[i + 1..]);
                sub_scaled4_twice(&mut first[i + 1..], &mut second[i + 1..], c0, c1, y);
                i += 2;
            }
            let last = pairs.into_remainder();
            if !last.is_empty() {
                sub_scaled4(
                    &mut last[i..],
                    rows.map(|row| row[i]),
                    rows.map(|row| &row[i..]),
                );
            }
        }
        j += block;
    }
    true
}

#[cfg(test)]
crate::with_avx2! {
    fn factor_kernel(a: &[f64], n: usize, u: &mut [f64]) -> bool {
        factor_body(a, n, u)
    }
}

crate::with_avx2! {
    fn factor_in_place_kernel(n: usize, u: &mut [f64]) -> bool {
        factor_in_place_body(n, u)
    }
}

/// `Lᵀ L x = b` with `L = Uᵀ`: forward substitution by columns of `L` (rows
/// of `U`), then backward substitution by dot products with rows of `U`.
#[inline(always)]
fn solve_body(u: &[f64], n: usize, b: &mut [f64]) {
    for k in 0..n {
        let row = &u[k * n + k..k * n + n];
        let yk = b[k] / row[0];
        b[k] = yk;
        sub_scaled(&mut b[k + 1..n], yk, &row[1..]);
    }
    for i in (0..n).rev() {
        let row = &u[i * n + i..i * n + n];
        b[i] = (b[i] - dot(&row[1..], &b[i + 1..n])) / row[0];
    }
}

crate::with_avx2! {
    fn solve_kernel(u: &[f64], n: usize, b: &mut [f64]) {
        solve_body(u, n, b)
    }
}

/// `W = L⁻¹` (lower triangular, by rows) into `w` (`n × n`, zeroed):
/// `W[i][..] = (eᵢ − Σ_{k<i} L[i][k]·W[k][..]) / L[i][i]`, four `k` at a
/// time (the zeros of `W[k]` beyond its diagonal make that exact).
#[inline(always)]
fn lower_inverse_body(u: &[f64], n: usize, w: &mut [f64]) {
    for i in 0..n {
        let (done, rest) = w.split_at_mut(i * n);
        let row_i = &mut rest[..n];
        row_i[i] = 1.0;
        let l_ik = |k: usize| u[k * n + i];
        let mut k = 0;
        while k + 4 <= i {
            let c = [l_ik(k), l_ik(k + 1), l_ik(k + 2), l_ik(k + 3)];
            let end = k + 4;
            let y = [
                &done[k * n..k * n + end],
                &done[(k + 1) * n..(k + 1) * n + end],
                &done[(k + 2) * n..(k + 2) * n + end],
                &done[(k + 3) * n..(k + 3) * n + end],
            ];
            sub_scaled4(&mut row_i[..end], c, y);
            k += 4;
        }
        while k < i {
            sub_scaled(&mut row_i[..=k], l_ik(k), &done[k * n..k * n + k + 1]);
            k += 1;
        }
        let d = u[i * n + i];
        for x in row_i[..=i].iter_mut() {
            *x /= d;
        }
    }
}

crate::with_avx2! {
    fn lower_inverse_kernel(u: &[f64], n: usize, w: &mut [f64]) {
        lower_inverse_body(u, n, w)
    }
}

/// `inv = Wᵀ W = Σₖ W[k]ᵀ W[k]` for lower-triangular `W` (by rows):
/// `inv[p][..=p] += W[k][p]·W[k][..=p]` for `p ≤ k`, four `k` at a time,
/// then the lower triangle is mirrored.
#[inline(always)]
fn gram_body(w: &[f64], n: usize, inv: &mut [f64]) {
    let mut k = 0;
    while k + 4 <= n {
        let rows = [
            &w[k * n..k * n + n],
            &w[(k + 1) * n..(k + 1) * n + n],
            &w[(k + 2) * n..(k + 2) * n + n],
            &w[(k + 3) * n..(k + 3) * n + n],
        ];
        for p in 0..k + 4 {
            let c = [rows[0][p], rows[1][p], rows[2][p], rows[3][p]];
            let y = [
                &rows[0][..=p],
                &rows[1][..=p],
                &rows[2][..=p],
                &rows[3][..=p],
            ];
            add_scaled4(&mut inv[p * n..p * n + p + 1], c, y);
        }
        k += 4;
    }
    while k < n {
        let row = &w[k * n..k * n + n];
        for p in 0..=k {
            let c = row[p];
            for (x, y) in inv[p * n..p * n + p + 1].iter_mut().zip(&row[..=p]) {
                *x += c * y;
            }
        }
        k += 1;
    }
    for p in 0..n {
        for q in 0..p {
            inv[q * n + p] = inv[p * n + q];
        }
    }
}

crate::with_avx2! {
    fn gram_kernel(w: &[f64], n: usize, inv: &mut [f64]) {
        gram_body(w, n, inv)
    }
}

impl Cholesky {
    /// The order of the factored matrix.
    pub fn dim(&self) -> usize {
        self.n
    }

    /// Factors the symmetric matrix `a` (row-major `n × n`; only the upper
    /// triangle, diagonal included, is read). Returns `None` when it is not
    /// positive definite. The unshifted reference the tests check
    /// [`Cholesky::factor_shifted`] against.
    #[cfg(test)]
    pub fn factor(a: &[f64], n: usize) -> Option<Self> {
        debug_assert_eq!(a.len(), n * n);
        let mut upper = vec![0.0; n * n];
        factor_kernel(a, n, &mut upper).then_some(Self { n, upper })
    }

    /// Factors `a + shift·vvᵀ`, with `v` one on the first `block` indices
    /// and zero after (the gauge term of the fits, added while copying `a`
    /// instead of in a copy of its own). Only the upper triangle of `a` is
    /// read. `recycle`, a factor of the same size that is no longer needed,
    /// lends its storage: a fit refactors at every step, and a fresh
    /// allocation of this size is often fresh pages from the kernel.
    pub fn factor_shifted(
        a: &[f64],
        n: usize,
        block: usize,
        shift: f64,
        recycle: Option<Cholesky>,
    ) -> Option<Self> {
        debug_assert_eq!(a.len(), n * n);
        debug_assert!(block <= n);
        // The storage of a factor is zero below the diagonal; the rest is
        // overwritten.
        let mut upper = match recycle {
            Some(old) if old.n == n => old.upper,
            _ => vec![0.0; n * n],
        };
        for j in 0..n {
            let row = &mut upper[j * n + j..j * n + n];
            row.copy_from_slice(&a[j * n + j..j * n + n]);
            for x in row[..block.saturating_sub(j)].iter_mut() {
                *x += shift;
            }
        }
        factor_in_place_kernel(n, &mut upper).then_some(Self { n, upper })
    }

    /// Solves `A x = b` in place (`b` becomes `x`).
    pub fn solve_in_place(&self, b: &mut [f64]) {
        solve_kernel(&self.upper, self.n, &mut b[..self.n]);
    }

    /// The inverse `A⁻¹` (row-major, full symmetric), as `L⁻ᵀ L⁻¹`.
    pub fn inverse(&self) -> Vec<f64> {
        let n = self.n;
        let mut w = vec![0.0; n * n];
        lower_inverse_kernel(&self.upper, n, &mut w);
        let mut inv = vec![0.0; n * n];
        gram_kernel(&w, n, &mut inv);
        inv
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Uniform numbers in [−½, ½) from a fixed linear congruential sequence.
    fn uniforms(count: usize, seed: u64) -> Vec<f64> {
        let mut state = seed;
        (0..count)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 11) as f64 / (1u64 << 53) as f64) - 0.5
            })
            .collect()
    }

    /// A = B Bᵀ + n I with a pseudo-random B.
    fn spd(n: usize, seed: u64) -> Vec<f64> {
        let b = uniforms(n * n, seed);
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                a[i * n + j] = (0..n).map(|k| b[i * n + k] * b[j * n + k]).sum();
            }
            a[i * n + i] += n as f64;
        }
        a
    }

    /// What a BT fit factors: the Laplacian of a weighted complete graph
    /// (weights spanning four orders of magnitude) plus `mean/n · vvᵀ`.
    fn gauged_laplacian(n: usize, seed: u64) -> Vec<f64> {
        let w = uniforms(n * n, seed);
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..i {
                let weight = 10f64.powf(4.0 * (w[i * n + j] + 0.5));
                a[i * n + j] -= weight;
                a[j * n + i] -= weight;
                a[i * n + i] += weight;
                a[j * n + j] += weight;
            }
        }
        let trace: f64 = (0..n).map(|i| a[i * n + i]).sum();
        let shift = trace / (n * n) as f64;
        a.iter().map(|x| x + shift).collect()
    }

    /// Textbook Cholesky with plain left-to-right sums.
    fn reference_factor(a: &[f64], n: usize) -> Vec<f64> {
        let mut l = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..=i {
                let s: f64 = (0..j).map(|k| l[i * n + k] * l[j * n + k]).sum();
                l[i * n + j] = if i == j {
                    (a[i * n + i] - s).sqrt()
                } else {
                    (a[i * n + j] - s) / l[j * n + j]
                };
            }
        }
        l
    }

    fn matrices() -> Vec<(usize, Vec<f64>)> {
        let mut out: Vec<(usize, Vec<f64>)> = (1..=40).map(|n| (n, spd(n, n as u64))).collect();
        out.push((129, spd(129, 7)));
        for n in [2, 5, 17, 33, 129] {
            out.push((n, gauged_laplacian(n, 100 + n as u64)));
        }
        out
    }

    fn max_abs(a: &[f64]) -> f64 {
        a.iter().fold(0.0, |m, x| m.max(x.abs()))
    }

    /// Unblocked right-looking Cholesky: `Lᵀ` by rows.
    fn unblocked_factor(a: &[f64], n: usize) -> Vec<f64> {
        let mut u = vec![0.0; n * n];
        for j in 0..n {
            for k in j..n {
                u[j * n + k] = a[j * n + k];
            }
        }
        for j in 0..n {
            let d = u[j * n + j].sqrt();
            for k in j..n {
                u[j * n + k] = if k == j { d } else { u[j * n + k] / d };
            }
            for i in j + 1..n {
                for k in i..n {
                    u[i * n + k] -= u[j * n + i] * u[j * n + k];
                }
            }
        }
        u
    }

    /// Unblocked `Wᵀ W` with `W = L⁻¹` built row by row.
    fn unblocked_inverse(u: &[f64], n: usize) -> Vec<f64> {
        let mut w = vec![0.0; n * n];
        for i in 0..n {
            w[i * n + i] = 1.0;
            for k in 0..i {
                for q in 0..=k {
                    w[i * n + q] -= u[k * n + i] * w[k * n + q];
                }
            }
            for q in 0..=i {
                w[i * n + q] /= u[i * n + i];
            }
        }
        let mut inv = vec![0.0; n * n];
        for k in 0..n {
            for p in 0..=k {
                for q in 0..=p {
                    inv[p * n + q] += w[k * n + p] * w[k * n + q];
                }
            }
        }
        for p in 0..n {
            for q in 0..p {
                inv[q * n + p] = inv[p * n + q];
            }
        }
        inv
    }

    fn same_bits(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| x == y || x.to_bits() == y.to_bits())
    }

    #[test]
    fn factor_matches_the_textbook_algorithm() {
        for (n, a) in matrices() {
            let chol = Cholesky::factor(&a, n).expect("spd");
            let want = reference_factor(&a, n);
            let scale = max_abs(&want);
            for i in 0..n {
                for j in 0..n {
                    let (got, want) = (chol.upper[j * n + i], want[i * n + j]);
                    assert!(
                        (got - want).abs() <= 1e-12 * scale,
                        "n = {n}, L[{i}][{j}]: {got} vs {want}"
                    );
                }
            }
        }
    }

    /// Blocking by four only regroups the loops: every entry gets the same
    /// operations in the same order as in the unblocked algorithms.
    #[test]
    fn blocked_kernels_equal_the_unblocked_algorithms_bit_for_bit() {
        for (n, a) in matrices() {
            let chol = Cholesky::factor(&a, n).expect("spd");
            assert!(
                same_bits(&chol.upper, &unblocked_factor(&a, n)),
                "factor, n = {n}"
            );
            assert!(
                same_bits(&chol.inverse(), &unblocked_inverse(&chol.upper, n)),
                "inverse, n = {n}"
            );
        }
    }

    #[test]
    fn solve_recovers_a_known_solution() {
        for (n, a) in matrices() {
            let chol = Cholesky::factor(&a, n).expect("spd");
            let x_true: Vec<f64> = (0..n).map(|i| i as f64 - 4.0).collect();
            let mut b: Vec<f64> = (0..n).map(|i| dot(&a[i * n..i * n + n], &x_true)).collect();
            chol.solve_in_place(&mut b);
            for (x, t) in b.iter().zip(&x_true) {
                assert!((x - t).abs() < 1e-8 * n as f64, "n = {n}: {x} vs {t}");
            }
        }
    }

    #[test]
    fn inverse_times_the_matrix_is_the_identity() {
        for (n, a) in matrices() {
            let inv = Cholesky::factor(&a, n).expect("spd").inverse();
            let scale = max_abs(&a) * max_abs(&inv);
            for i in 0..n {
                for j in 0..n {
                    assert_eq!(inv[i * n + j], inv[j * n + i], "n = {n}: not symmetric");
                    let e: f64 = (0..n).map(|k| a[i * n + k] * inv[k * n + j]).sum();
                    let want = if i == j { 1.0 } else { 0.0 };
                    assert!(
                        (e - want).abs() < 1e-13 * scale * n as f64,
                        "n = {n}: ({i},{j}) = {e}"
                    );
                }
            }
        }
    }

    /// The dispatched kernels (AVX2 on most machines) and the baseline
    /// bodies give bit-identical results.
    #[test]
    fn dispatched_kernels_equal_the_baseline_bit_for_bit() {
        for (n, a) in matrices() {
            let mut fast = vec![0.0; n * n];
            let mut base = vec![0.0; n * n];
            assert!(factor_kernel(&a, n, &mut fast) && factor_body(&a, n, &mut base));
            assert!(same_bits(&fast, &base), "factor, n = {n}");
            let upper = base;
            let mut fast = vec![0.0; n * n];
            let mut base = vec![0.0; n * n];
            lower_inverse_kernel(&upper, n, &mut fast);
            lower_inverse_body(&upper, n, &mut base);
            assert!(same_bits(&fast, &base), "lower inverse, n = {n}");
            let w = base;
            let mut fast = vec![0.0; n * n];
            let mut base = vec![0.0; n * n];
            gram_kernel(&w, n, &mut fast);
            gram_body(&w, n, &mut base);
            assert!(same_bits(&fast, &base), "gram, n = {n}");
            let mut fast: Vec<f64> = (0..n).map(|i| i as f64).collect();
            let mut base = fast.clone();
            solve_kernel(&upper, n, &mut fast);
            solve_body(&upper, n, &mut base);
            assert!(same_bits(&fast, &base), "solve, n = {n}");
        }
    }

    #[test]
    fn not_positive_definite_is_refused() {
        let a = vec![1.0, 2.0, 2.0, 1.0];
        assert!(Cholesky::factor(&a, 2).is_none());
        let mut b = spd(9, 3);
        b[8 * 9 + 8] = f64::NAN;
        assert!(Cholesky::factor(&b, 9).is_none());
        let mut c = spd(9, 3);
        c[8 * 9 + 8] = -100.0;
        assert!(Cholesky::factor(&c, 9).is_none());
    }
}
