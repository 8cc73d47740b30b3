from datalint.formatters import render
from datalint.formatters.full import display_width, excerpt


def test_concise_one_line_per_violation(report, dataset):
    lines = render("concise", report).splitlines()
    assert lines[1] == f"{dataset}:1:40: P007 special token: '<|endoftext|>' in response"
    assert len(lines) == 6
    assert lines[-1] == "Found 5 violations (2 errors, 2 warnings, 1 info) in 4 records in 1 file."


def test_full_shows_the_line_with_a_caret_under_the_span(report, dataset):
    blocks = render("full", report).split("\n\n")
    assert blocks[1].splitlines() == [
        f"{dataset}:1:40: P007 [leaked-special-token] special token: '<|endoftext|>' in response",
        '     1 | {"instruction": "Say hi", "output": "Hi<|endoftext|>"}',
        "       |                                        ^^^^^^^^^^^^^",
        "    at /output",
    ]
    assert blocks[4].splitlines()[-1] == f"    related: {dataset}:1:1 first copy"


def test_full_caret_counts_wide_characters(report):
    lines = render("full", report).split("\n\n")[2].splitlines()
    window, carets = lines[1], lines[2]
    # four CJK characters before the span take two cells each
    assert carets.index("^") - len("       | ") == display_width(window[len("     2 | ") :].split("As an AI")[0])
    assert carets.strip(" |") == "^" * len("As an AI, I")


def test_full_windows_long_lines_around_the_span(report):
    lines = render("full", report).split("\n\n")[3].splitlines()
    window, carets = lines[1][len("     3 | ") :], lines[2][len("       | ") :]
    assert window.startswith("…") and window.endswith("…")
    assert len(window) == 102
    assert window[carets.index("^") : carets.index("^") + 23] == "As an AI language model"


def test_excerpt_of_a_short_line_and_unknown_end():
    assert excerpt("abc", 2, None) == ("abc", " ^")
    assert excerpt("", 1, None) == ("", "^")
