"""Precision and recall of the default rules on the labelled evaluation set (bench/quality/README.md).

Lints every file the labels name, each alone with the default rules (as its maintainer would), and
compares the hits with the judgements. `tests/test_quality.py` asserts the floors from the same
numbers.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DATASETS = REPO.parent / "shared" / "datasets"
PRECISION_FLOOR = 0.9
RECALL_FLOOR = 0.95
VERDICTS = ("real", "noise")


@dataclass(frozen=True)
class Judgement:
    file: str
    line: int
    rule: str
    verdict: str
    reason: str
    source: str  # the labels file and line, for error messages


@dataclass
class RuleScore:
    rule: str
    real_hits: int = 0
    noise_hits: int = 0
    misses: int = 0
    unjudged_hits: int = 0
    hits: int = 0

    @property
    def judged_hits(self) -> int:
        return self.real_hits + self.noise_hits

    @property
    def precision(self) -> float | None:
        return self.real_hits / self.judged_hits if self.judged_hits else None

    @property
    def recall(self) -> float | None:
        real = self.real_hits + self.misses
        return self.real_hits / real if real else None


@dataclass
class Measurement:
    scores: dict[str, RuleScore] = field(default_factory=dict)
    # planted file -> (real judgements found, real judgements)
    planted: dict[str, tuple[int, int]] = field(default_factory=dict)
    unjudged: dict[str, list[tuple[str, int, str]]] = field(default_factory=dict)


def load_judgements(folder: Path = HERE / "labels") -> list[Judgement]:
    judgements: list[Judgement] = []
    seen: dict[tuple[str, int, str], Judgement] = {}
    for path in sorted(folder.glob("*.jsonl")):
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not text.strip():
                continue
            where = f"{path.relative_to(REPO)}:{number}"
            raw = json.loads(text)
            judgement = Judgement(
                raw["file"], int(raw["line"]), raw["rule"], raw["verdict"], raw.get("reason", ""), where
            )
            if judgement.verdict not in VERDICTS:
                raise ValueError(f"{where}: verdict must be one of {VERDICTS}, not {judgement.verdict!r}")
            key = (judgement.file, judgement.line, judgement.rule)
            if key in seen:
                # Two reviewers may judge the same hit; they must agree.
                if seen[key].verdict != judgement.verdict:
                    raise ValueError(
                        f"{where}: {key} is judged {judgement.verdict}, but {seen[key].verdict} in {seen[key].source}"
                    )
                continue
            seen[key] = judgement
            judgements.append(judgement)
    return judgements


def dataset_path(name: str) -> Path:
    return HERE / name if name.startswith("planted/") else DATASETS / name


def default_rules() -> set[str]:
    from datalint.rules import builtin_rules

    return {rule.code for rule in builtin_rules() if rule.default}


def lint_hits(files: list[str], jobs: int = 2) -> dict[str, dict[tuple[int, str], str]]:
    """file -> {(line, rule): message} of the default rules, each file linted alone."""
    import datalint

    hits: dict[str, dict[tuple[int, str], str]] = {}
    for name in files:
        # Rules are judged per record: a file's convention counts on each record it is on.
        report = datalint.lint_paths([dataset_path(name)], jobs=jobs, conventions=False)
        hits.update(hits_of(report.violations, name))
    return hits


def hits_of(violations, name: str | None = None) -> dict[str, dict[tuple[int, str], str]]:
    """file -> {(line, rule): message}; files named as in the labels (`name`, or the dataset's file name)."""
    hits: dict[str, dict[tuple[int, str], str]] = {}
    for violation in violations:
        found = hits.setdefault(name or Path(violation.path).name, {})
        found.setdefault((violation.line, violation.code), violation.message)
    return hits


def measure(judgements: list[Judgement], hits: dict[str, dict[tuple[int, str], str]]) -> Measurement:
    result = Measurement()
    judged = {(j.file, j.line, j.rule): j for j in judgements}

    def score(rule: str) -> RuleScore:
        return result.scores.setdefault(rule, RuleScore(rule))

    for name, found in hits.items():
        for (line, rule), message in found.items():
            judgement = judged.get((name, line, rule))
            if judgement is None and name.startswith("planted/"):
                continue  # a planted file is judged on what it was written for
            score(rule).hits += 1
            if judgement is None:
                score(rule).unjudged_hits += 1
                result.unjudged.setdefault(rule, []).append((name, line, message))
            elif judgement.verdict == "real":
                score(rule).real_hits += 1
            else:
                score(rule).noise_hits += 1
    planted: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for judgement in judgements:
        found = (judgement.line, judgement.rule) in hits.get(judgement.file, {})
        if judgement.verdict == "real" and not found:
            score(judgement.rule).misses += 1
        if judgement.verdict == "real" and judgement.file.startswith("planted/"):
            planted[judgement.file][0] += found
            planted[judgement.file][1] += 1
    result.planted = {name: (found, total) for name, (found, total) in sorted(planted.items())}
    return result


def run(jobs: int = 2) -> tuple[list[Judgement], Measurement]:
    judgements = load_judgements()
    files = sorted({j.file for j in judgements} | {path.name for path in DATASETS.glob("*.jsonl")})
    files += sorted({f"planted/{path.name}" for path in (HERE / "planted").glob("*.jsonl")} - set(files))
    return judgements, measure(judgements, lint_hits(files, jobs))


def _ratio(value: float | None) -> str:
    return "   -" if value is None else f"{value:.2f}"


def print_table(measurement: Measurement, defaults: set[str], out=sys.stdout) -> None:
    print(
        f"{'rule':6} {'hits':>6} {'judged':>6} {'real':>5} {'noise':>5} {'prec':>5} {'miss':>5} {'recall':>6}", file=out
    )
    totals = Counter()
    for rule in sorted(measurement.scores):
        s = measurement.scores[rule]
        flag = "" if rule in defaults else "  (opt-in)"
        low = " < floor" if s.precision is not None and s.precision < PRECISION_FLOOR and rule in defaults else ""
        print(
            f"{rule:6} {s.hits:6} {s.judged_hits:6} {s.real_hits:5} {s.noise_hits:5} {_ratio(s.precision):>5}"
            f" {s.misses:5} {_ratio(s.recall):>6}{flag}{low}",
            file=out,
        )
        if rule in defaults:
            totals.update(hits=s.hits, real=s.real_hits, noise=s.noise_hits, misses=s.misses)
    judged = totals["real"] + totals["noise"]
    precision = totals["real"] / judged if judged else 0.0
    recall = totals["real"] / (totals["real"] + totals["misses"]) if totals["real"] + totals["misses"] else 0.0
    print(
        f"default set: {totals['hits']} hits, {judged} judged, precision {precision:.3f}, recall {recall:.3f}",
        file=out,
    )
    for name, (found, total) in measurement.planted.items():
        print(f"planted {name}: {found}/{total} found (recall {found / total:.2f})", file=out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rule", action="append", default=[], help="only these rules in --unjudged")
    parser.add_argument("--unjudged", action="store_true", help="list hits no one has judged yet")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    _, measurement = run(args.jobs)
    print_table(measurement, default_rules())
    if args.unjudged:
        for rule, items in sorted(measurement.unjudged.items()):
            if args.rule and rule not in args.rule:
                continue
            for name, line, message in items:
                print(f"unjudged {rule} {name}:{line}: {message}")


if __name__ == "__main__":
    main()
