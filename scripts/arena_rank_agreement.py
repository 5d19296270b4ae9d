#!/usr/bin/env python3
"""Style control: arenawatt against LMArena's arena-rank on the same votes.

A development check, not part of CI. It needs arena-rank 0.1.1 in its own
virtual environment (it pins jax 0.8.1 and numpy 2.3.3):

    python3 -m venv target/arena-rank-venv
    target/arena-rank-venv/bin/pip install arena-rank==0.1.1
    cargo build --release --bin arenawatt
    target/arena-rank-venv/bin/python scripts/arena_rank_agreement.py

What it does:
1. `arenawatt simulate --length-effect BETA` draws votes whose outcome
   depends on the answers' relative length difference (t_a - t_b)/(t_a + t_b)
   with a known effect BETA (log-odds per unit).
2. arenawatt imports them and fits them with `--style controlled`.
3. arena-rank's ContextualBradleyTerry fits the same votes with the same
   feature (the relative difference of output tokens, standardised by
   ContextualPairDataset), ties as 0.5, no reweighting, with reg=0 (the
   plain maximum likelihood that arenawatt fits) and with its default reg=1.
4. It prints the largest difference of the scores (both centred on their
   mean over the common models, in BT points) and of the coefficient (in
   log-odds per unit of relative difference, so both normalisations compare),
   and both fit times.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

from arena_rank.models.contextual_bradley_terry import ContextualBradleyTerry
from arena_rank.utils.data_utils import ContextualPairDataset

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True)


def arena_rank_fit(df, reg, tol):
    """Fits arena-rank's contextual BT; returns (scores by model, beta per unit,
    seconds). The dataset is built outside the timing, and the fit is run
    twice, the second timed, so JAX's compilation is not counted."""
    dataset = ContextualPairDataset.from_pandas(
        df,
        feature_cols=["length"],
        reweighted=False,
        normalize_features=True,
    )
    for _ in range(2):
        model = ContextualBradleyTerry(
            n_competitors=len(dataset.competitors), n_features=1, reg=reg,
            ftol=tol, gtol=tol, max_iter=10_000,
        )
        start = time.perf_counter()
        result = model.compute_ratings_and_cis(dataset, ci_method="sandwich")
        seconds = time.perf_counter() - start
    scores = dict(zip(result["competitors"], np.asarray(result["ratings"])))
    std = float(np.std(df["length"].to_numpy()))
    beta_per_unit = float(np.asarray(result["coeffs"])[0]) / std
    return scores, beta_per_unit, seconds


def centred(scores, models):
    mean = sum(scores[m] for m in models) / len(models)
    return {m: scores[m] - mean for m in models}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--votes", type=int, default=200_000)
    parser.add_argument("--length-effect", type=float, default=0.6)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--arenawatt", default=os.path.join(ROOT, "target", "release", "arenawatt")
    )
    parser.add_argument(
        "--csv",
        help="votes already simulated (e.g. by `arenawatt-bench style --csv-out`): "
        "fitted by `arenawatt rank --style controlled` instead of a store",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        if args.csv:
            votes = args.csv
            start = time.perf_counter()
            answer = run([args.arenawatt, "rank", "--input", votes, "--style", "controlled",
                          "--format", "json"])
            ours_seconds = time.perf_counter() - start
            ranked = json.loads(answer.stdout)
            coefficient = ranked["style"]["coefficients"][0]
            ours_scores = {m["model"]: m["bt_score"] for m in ranked["models"]
                           if m["bt_score"] is not None}
            what = "whole `arenawatt rank` process, csv reading included"
        else:
            votes = os.path.join(tmp, "votes.csv")
            db = os.path.join(tmp, "store.db")
            run([args.arenawatt, "simulate", "--votes", str(args.votes), "--days", "30",
                 "--seed", str(args.seed), "--length-effect", str(args.length_effect),
                 "--out", votes])
            run([args.arenawatt, "--db", db, "import", "--format", "csv", votes])
            start = time.perf_counter()
            answer = run([args.arenawatt, "--db", db, "query", "--type", "leaderboard",
                          "--style", "controlled", "--format", "json"])
            ours_seconds = time.perf_counter() - start
            ours = json.loads(answer.stdout)
            coefficient = ours["style"]["coefficients"][0]
            ours_scores = {r["model"]: r["bt_score"] for r in ours["rows"]
                           if r["bt_score"] is not None}
            what = "whole `arenawatt query` process, store scan included"
        df = pd.read_csv(votes)

    ours_beta = coefficient["beta"] / coefficient["std"]
    df["length"] = (df["tokens_a"] - df["tokens_b"]) / (df["tokens_a"] + df["tokens_b"])
    df["winner"] = df["winner"].replace({"tie (bothbad)": "tie"})

    print(f"{len(df)} simulated votes, {len(ours_scores)} models, true length effect "
          f"{args.length_effect} log-odds per unit of relative difference")
    print(f"arenawatt ({what}): {ours_seconds * 1000:.0f} ms, beta {ours_beta:.4f}")
    # arena-rank's defaults (ftol = gtol = 1e-9 on the mean loss) stop before
    # the rarely paired models have converged; 1e-13 lets L-BFGS finish.
    for reg, tol in ((0.0, 1e-9), (0.0, 1e-13), (1.0, 1e-9)):
        scores, beta, seconds = arena_rank_fit(df, reg, tol)
        common = sorted(set(scores) & set(ours_scores))
        a, b = centred(ours_scores, common), centred(scores, common)
        worst = max(common, key=lambda m: abs(a[m] - b[m]))
        print(f"arena-rank reg={reg} tol={tol:g}: {seconds * 1000:.0f} ms, beta {beta:.4f}; "
              f"largest score difference {abs(a[worst] - b[worst]):.4f} BT points ({worst}), "
              f"coefficient difference {abs(ours_beta - beta):.5f} log-odds per unit")
    return 0


if __name__ == "__main__":
    sys.exit(main())
