"""Problems with suppressions themselves (baseline entries, `[[suppress]]` entries) that no longer match.

These rules have no check of their own: the baseline and suppression filters report them after a
run, the way ruff reports unused `noqa` comments. Declaring them as rules gives them a code, docs,
and lets users select or ignore them like any other rule.
"""

from __future__ import annotations

from datalint.checks import Option

PROBLEMS = ("unused-baseline-entry", "unused-suppression")

OPTIONS = {
    "problem": Option(str, "unused-baseline-entry", "which suppression problem this rule reports", PROBLEMS),
}
