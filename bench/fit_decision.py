"""Fit the chat-mode FAQ model of bot/core/decision.py on the tuning set.

    python bench/fit_decision.py [--semantic]

Every chat-mode query of tests/data/queries.yaml (the tuning set, never the held-out one) that
the decision's rules leave to the model gives one row of features and a label: 1 when the best
FAQ is the expected answer, 0 otherwise (chit-chat, or the wrong FAQ first). An L2-regularised
logistic regression is fitted by Newton's method, and the threshold is the lowest that keeps
answered chit-chat and wrong answers within the issue's limits, with room to spare. It prints
the weights and threshold to paste into decision.py, and the share answered at each threshold.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from labelled import TUNING, queries, runnable

from bot.core import decision
from bot.core.matcher import Matcher

FAQ_KINDS = {"faq", "faq_leadin", "faq_paraphrase"}
RIDGE = 1.0
CHITCHAT_LIMIT = 0.004  # fitted below the 1%, as new text scores less well than old
WRONG_LIMIT = 0.015  # the issue allows 2% wrong answers (with the extra); fitted below it


def rows(semantic: bool) -> tuple[np.ndarray, np.ndarray, list[str], int, int]:
    build = Matcher
    if semantic:
        from bot.core.semantic import load_embedder, semantic_index

        embedder = load_embedder()

        def build(entries):
            return Matcher(entries, semantic=semantic_index(embedder, entries))

    features, labels, kinds = [], [], []
    chitchat = answerable = 0
    for item, matcher in runnable(queries(TUNING), build):
        if item["mode"] != "chat" or item["kind"] not in FAQ_KINDS | {"chitchat"}:
            continue
        chitchat += item["kind"] == "chitchat"
        answerable += item["kind"] != "chitchat"
        found = matcher.chat_evidence(item["q"])
        if found is None:
            continue
        asked = []

        def record(best, second, evidence, asked=asked):
            asked.append(decision.faq_features(best, second, evidence))
            return False

        terms, faqs, evidence = found
        decision.chat_answer(terms, faqs, evidence, model=record)
        if asked:
            features.append(asked[0])
            labels.append(float(faqs[0].label == item["expect"]))
            kinds.append(item["kind"])
    return np.array(features), np.array(labels), kinds, chitchat, answerable


def best_blend() -> float:
    """The share of the cosine in an FAQ's blended score that puts the expected FAQ first
    most often, among the tuning paraphrases."""
    from bot.core.semantic import load_embedder, semantic_index

    embedder = load_embedder()
    rows = []
    indexes: dict[int, object] = {}
    for item, matcher in runnable(queries(TUNING), Matcher):
        if item["kind"] != "faq_paraphrase":
            continue
        if id(matcher) not in indexes:
            indexes[id(matcher)] = semantic_index(embedder, list(matcher.entries()))
        index = indexes[id(matcher)]
        found = matcher.chat_evidence(item["q"])
        lexical = {c.target: c.score for c in found[1]} if found else {}
        cosines = index.cosines(index.embed_query(item["q"]))
        labels = {t: c.label for t in cosines if (c := matcher.index.faq_candidate(t)) is not None}
        rows.append((item["expect"], lexical, cosines, labels))
    shares = [round(0.3 + 0.05 * i, 2) for i in range(15)]
    right = {}
    for share in shares:
        right[share] = 0
        for expect, lexical, cosines, labels in rows:
            best = max(
                labels,
                key=lambda t: (1 - share) * lexical.get(t, 0.0) + share * 100 * max(0, cosines[t]),
            )
            right[share] += labels[best] == expect
        print(f"BLEND_COSINE {share:.2f}: expected FAQ first for {right[share] / len(rows):.1%}")
    return max(shares, key=lambda s: (right[s], -abs(s - 0.5)))


def fit(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    w = np.zeros(x.shape[1])
    ridge = RIDGE * np.eye(x.shape[1])
    ridge[0, 0] = 0.0  # the bias is not shrunk
    for _ in range(50):
        p = 1 / (1 + np.exp(-(x @ w)))
        gradient = x.T @ (p - y) + ridge @ w
        hessian = (x.T * (p * (1 - p))) @ x + ridge
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def words_first() -> float:
    """The share of tuning paraphrases whose expected FAQ the words alone put first (chat
    mode: the question's words and, at ANSWER_SHARE, the answer's)."""
    first = total = 0
    for item, matcher in runnable(queries(TUNING), Matcher):
        if item["kind"] != "faq_paraphrase":
            continue
        found = matcher.chat_evidence(item["q"])
        faqs = found[1] if found else []
        first += bool(faqs) and faqs[0].label == item["expect"]
        total += 1
    return first / max(total, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--semantic", action="store_true", help="fit the semantic extra's model")
    args = parser.parse_args()
    if not args.semantic:
        print(f"words alone: expected FAQ first for {words_first():.1%} of tuning paraphrases\n")
    if args.semantic:
        share = best_blend()
        print(f"BLEND_COSINE = {share}  (decision.py has {decision.BLEND_COSINE}; the fit below")
        print("  uses decision.py's: paste this one first and run again when they differ)\n")
    x, y, kinds, chitchat, answerable = rows(args.semantic)
    names = decision.SEMANTIC_FEATURES if args.semantic else decision.FEATURES
    w = fit(x, y)
    p = 1 / (1 + np.exp(-(x @ w)))
    is_chat = np.array([k == "chitchat" for k in kinds])
    print(f"{len(y)} rows left to the model ({int(y.sum())} right FAQ first)")
    print(f"{'threshold':>9}  {'paraphrases answered':>20}  {'chit-chat':>9}  {'wrong':>6}")
    chosen = None
    # Chosen to the hundredth, printed every twentieth.
    for step in range(5, 96):
        threshold = step / 100
        yes = p >= threshold
        got = (yes & (y == 1)).sum() / answerable
        chat = (yes & is_chat).sum() / chitchat
        wrong = (yes & (y == 0) & ~is_chat).sum() / answerable
        if chosen is None and chat <= CHITCHAT_LIMIT and wrong <= WRONG_LIMIT:
            chosen = threshold
            print(f"{threshold:9.2f}  {got:20.1%}  {chat:9.1%}  {wrong:6.1%}  <- chosen")
        elif step % 5 == 0:
            print(f"{threshold:9.2f}  {got:20.1%}  {chat:9.1%}  {wrong:6.1%}")
    weights = ", ".join(f"{v:.2f}" for v in w)
    prefix = "SEMANTIC" if args.semantic else "LEXICAL"
    print(f"\n# features: {', '.join(names)}")
    print(f"{prefix}_WEIGHTS = (\n    {weights},\n)")
    print(f"{prefix}_ANSWER_AT = {chosen}")


if __name__ == "__main__":
    main()
