"""The plan: the rules of one Settings, prepared and sorted by what they need from the record pass."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from datalint.checks import load_kind
from datalint.config import ConfigError, Settings
from datalint.feature_types import features_of
from datalint.rules import Rule, RuleError, prepared

DEFAULT_MAX_LINE_BYTES = 10_000_000


class RulePlan:
    """The enabled rules of one Settings, sorted by what they need from the record pass.

    Per-record rules are prepared (regexes compiled, models loaded) only when a record has to be
    checked, so a run served from the cache loads nothing; dataset-wide rules are prepared at once,
    since their dataset pass runs on cached features too. A rule that cannot be prepared is a
    configuration error.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.rules = list(settings.rules)
        self.mapping = settings.mapping
        self.max_line_bytes = max_line_bytes(settings)
        self.reading: dict[str, int] = {}
        self.kinds = {}
        for index, rule in enumerate(self.rules):
            if rule.kind == "reading":
                self.reading[rule.options["problem"]] = index
            else:
                self.kinds[index] = load_kind(rule.kind)
        self.ready = False
        for index, kind in self.kinds.items():
            if hasattr(kind, "record_features") or hasattr(kind, "record_features_batch"):
                self._prepare(index)
        self._sort()

    def prepare(self) -> None:
        if not self.ready:
            for index in self.kinds:
                self._prepare(index)
            self._sort()
            self.ready = True

    def _prepare(self, index: int) -> None:
        rule = self.rules[index]
        if rule.state is None:
            try:
                self.rules[index] = prepared(rule)
            except (RuleError, ValueError, OSError) as error:
                raise ConfigError(f"{self.settings.config_label}: rule {rule.code}: {error}") from error

    def _sort(self) -> None:
        self.per_record: list[tuple[int, Rule, Callable]] = []
        self.featured: list[tuple[int, Rule, Callable]] = []
        self.batched: list[tuple[int, Rule, Callable]] = []
        self.batched_checks: list[tuple[int, Rule, Callable]] = []
        # Kinds that check all their rules at once (one scan of a text for every pattern rule):
        # (the rules' indices, the set's state, check_record_set).
        self.rule_sets: list[tuple[tuple[int, ...], Any, Callable]] = []
        # Dataset-wide kinds whose rules share work on a record (one language label per text for
        # every language rule): (the rules' indices, the set's state, record_features_set).
        self.feature_sets: list[tuple[tuple[int, ...], Any, Callable]] = []
        sets: dict[str, list[int]] = {}
        feature_sets: dict[str, list[int]] = {}
        for index, kind in self.kinds.items():
            rule = self.rules[index]
            if hasattr(kind, "check_record_set"):
                sets.setdefault(rule.kind, []).append(index)
                continue
            if hasattr(kind, "check_record"):
                self.per_record.append((index, rule, kind.check_record))
            if hasattr(kind, "check_records"):
                self.batched_checks.append((index, rule, kind.check_records))
            if hasattr(kind, "record_features_set"):
                feature_sets.setdefault(rule.kind, []).append(index)
            elif hasattr(kind, "record_features"):
                self.featured.append((index, rule, kind.record_features))
            if hasattr(kind, "record_features_batch"):
                self.batched.append((index, rule, kind.record_features_batch))
        for indices in sets.values():
            rules = [self.rules[index] for index in indices]
            if all(rule.state is not None for rule in rules):  # prepared: only when records are checked
                kind = self.kinds[indices[0]]
                self.rule_sets.append((tuple(indices), kind.prepare_set(rules), kind.check_record_set))
        for indices in feature_sets.values():  # prepared at once, as every dataset-wide rule is
            kind = self.kinds[indices[0]]
            rules = [self.rules[index] for index in indices]
            self.feature_sets.append((tuple(indices), kind.prepare_features_set(rules), kind.record_features_set))
        # Each dataset-wide rule's declared features, by rule index: how its column is stored.
        self.declared = {index: features_of(rule) for index, rule in self.featured_rules}

    @property
    def featured_rules(self) -> list[tuple[int, Rule]]:
        one_by_one = [(index, rule) for index, rule, _ in self.featured]
        in_sets = [(index, self.rules[index]) for indices, _, _ in self.feature_sets for index in indices]
        return [*sorted(one_by_one + in_sets), *((index, rule) for index, rule, _ in self.batched)]


def max_line_bytes(settings: Settings) -> int:
    rule = settings.rule_for("reading", problem="line-too-long")
    return rule.options["max-bytes"] if rule else DEFAULT_MAX_LINE_BYTES
