//! Dense symmetric linear algebra for the fits: a Cholesky factor, solves and
//! the inverse. The information matrices of a BT fit are small (one row per
//! model, a few hundred at most), dense after the gauge fix, and positive
//! definite, so a hand-written row-major Cholesky beats pulling in a linear
//! algebra crate: it is a few dozen lines and its inner loops are contiguous
//! slices the compiler vectorises.

/// Lower-triangular Cholesky factor `L` of a symmetric positive definite
/// matrix `A = L Lᵀ`, stored row-major (`n × n`, upper part zero).
#[derive(Debug, Clone)]
pub struct Cholesky {
    n: usize,
    lower: Vec<f64>,
}

/// Dot product with four independent accumulators, so the loop pipelines
/// (floating-point sums are not reassociated by the compiler on its own).
#[inline]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let len = a.len().min(b.len());
    let (a, b) = (&a[..len], &b[..len]);
    let mut acc = [0.0f64; 4];
    let chunks = len / 4;
    for c in 0..chunks {
        let i = c * 4;
        acc[0] += a[i] * b[i];
        acc[1] += a[i + 1] * b[i + 1];
        acc[2] += a[i + 2] * b[i + 2];
        acc[3] += a[i + 3] * b[i + 3];
    }
    let mut sum = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for i in chunks * 4..len {
        sum += a[i] * b[i];
    }
    sum
}

impl Cholesky {
    /// Factors the symmetric matrix `a` (row-major `n × n`; only the lower
    /// triangle is read). Returns `None` when it is not positive definite.
    pub fn factor(a: &[f64], n: usize) -> Option<Self> {
        debug_assert_eq!(a.len(), n * n);
        let mut lower = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..=i {
                let (row_i, row_j) = if i == j {
                    let r = &lower[i * n..i * n + j];
                    (r, r)
                } else {
                    (&lower[i * n..i * n + j], &lower[j * n..j * n + j])
                };
                let s = a[i * n + j] - dot(row_i, row_j);
                if i == j {
                    // Also refuses NaN, which compares false with everything.
                    if s.is_nan() || s <= 0.0 || !s.is_finite() {
                        return None;
                    }
                    lower[i * n + i] = s.sqrt();
                } else {
                    lower[i * n + j] = s / lower[j * n + j];
                }
            }
        }
        Some(Self { n, lower })
    }

    pub fn dim(&self) -> usize {
        self.n
    }

    /// Solves `A x = b` in place (`b` becomes `x`).
    pub fn solve_in_place(&self, b: &mut [f64]) {
        let n = self.n;
        // Forward: L y = b.
        for i in 0..n {
            let row = &self.lower[i * n..i * n + i];
            b[i] = (b[i] - dot(row, &b[..i])) / self.lower[i * n + i];
        }
        // Backward: Lᵀ x = y, column-oriented so that rows of L are read.
        for i in (0..n).rev() {
            let xi = b[i] / self.lower[i * n + i];
            b[i] = xi;
            let row = &self.lower[i * n..i * n + i];
            for (bk, lk) in b[..i].iter_mut().zip(row) {
                *bk -= xi * lk;
            }
        }
    }

    /// The inverse `A⁻¹` (row-major, full symmetric), as `L⁻ᵀ L⁻¹`.
    pub fn inverse(&self) -> Vec<f64> {
        let n = self.n;
        // W = L⁻¹, lower triangular, built row by row with contiguous axpys:
        // W[i,:] = (e_i − Σ_{k<i} L[i,k] W[k,:]) / L[i,i].
        let mut w = vec![0.0; n * n];
        for i in 0..n {
            let (done, rest) = w.split_at_mut(i * n);
            let row_i = &mut rest[..n];
            row_i[i] = 1.0;
            for k in 0..i {
                let lik = self.lower[i * n + k];
                if lik != 0.0 {
                    let row_k = &done[k * n..k * n + k + 1];
                    for (x, y) in row_i[..=k].iter_mut().zip(row_k) {
                        *x -= lik * y;
                    }
                }
            }
            let d = self.lower[i * n + i];
            for x in row_i[..=i].iter_mut() {
                *x /= d;
            }
        }
        // A⁻¹ = Wᵀ W = Σ_i W[i,:]ᵀ W[i,:]; accumulate the lower triangle.
        let mut inv = vec![0.0; n * n];
        for i in 0..n {
            let row = &w[i * n..i * n + i + 1];
            for p in 0..=i {
                let wp = row[p];
                if wp != 0.0 {
                    let target = &mut inv[p * n..p * n + p + 1];
                    for (x, y) in target.iter_mut().zip(&row[..=p]) {
                        *x += wp * y;
                    }
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spd(n: usize) -> Vec<f64> {
        // A = B Bᵀ + n I with a fixed pseudo-random B.
        let mut b = vec![0.0; n * n];
        let mut state = 12345u64;
        for x in b.iter_mut() {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            *x = ((state >> 11) as f64 / (1u64 << 53) as f64) - 0.5;
        }
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                a[i * n + j] = dot(&b[i * n..i * n + n], &b[j * n..j * n + n]);
            }
            a[i * n + i] += n as f64;
        }
        a
    }

    #[test]
    fn solve_and_inverse_agree_with_the_matrix() {
        let n = 13;
        let a = spd(n);
        let chol = Cholesky::factor(&a, n).expect("spd");
        let x_true: Vec<f64> = (0..n).map(|i| i as f64 - 4.0).collect();
        let mut b: Vec<f64> = (0..n).map(|i| dot(&a[i * n..i * n + n], &x_true)).collect();
        chol.solve_in_place(&mut b);
        for (x, t) in b.iter().zip(&x_true) {
            assert!((x - t).abs() < 1e-10, "{x} vs {t}");
        }
        let inv = chol.inverse();
        for i in 0..n {
            for j in 0..n {
                let e: f64 = (0..n).map(|k| a[i * n + k] * inv[k * n + j]).sum();
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((e - want).abs() < 1e-10, "({i},{j}) = {e}");
            }
        }
    }

    #[test]
    fn not_positive_definite_is_refused() {
        let a = vec![1.0, 2.0, 2.0, 1.0];
        assert!(Cholesky::factor(&a, 2).is_none());
    }
}
