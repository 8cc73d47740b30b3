from collections import Counter

from datalint.formatters import render
from datalint.formatters.github import PER_SEVERITY, step_summary
from datalint.formatters.github import render as github


def test_github_annotations(report, dataset):
    lines = render("github", report).splitlines()
    assert len(lines) == 5  # 2 errors, 2 warnings annotated, one notice counting the info
    path = str(dataset).replace(":", "%3A").replace(",", "%2C")
    assert lines[0] == (
        f"::error file={path},line=1,col=40,endColumn=53,title=P007 [leaked-special-token]"
        "::special token: '<|endoftext|>' in response"
    )
    # message data escaped: %, newline; commas and colons stay in the message
    assert lines[1].endswith('::AI disclaimer: "As an AI, I" <b>&</b>%0Asecond line, 100%25 sure: yes')
    assert lines[3].endswith(f"(related: {dataset}:1)")
    # the info is not annotated (it would use up the step's notices): it is counted
    assert lines[4].startswith("::notice title=datalint::1 more violation not annotated (1 info)")


def test_github_annotates_the_first_errors_and_warnings_and_counts_the_rest(report):
    many = report.with_violations([*report.violations] * 8)  # 16 errors, 16 warnings, 8 infos
    lines = render("github", many).splitlines()
    kinds = Counter(line.split(" ", 1)[0] for line in lines)
    assert kinds == {"::error": PER_SEVERITY, "::warning": PER_SEVERITY, "::notice": 1}
    assert lines[-1].startswith(
        "::notice title=datalint::20 more violations not annotated (6 errors, 6 warnings, 8 infos)"
    )
    three = github(many, per_severity=3).splitlines()
    assert Counter(line.split(" ", 1)[0] for line in three) == {"::error": 3, "::warning": 3, "::notice": 1}


def test_github_step_summary_counts_rules_lists_findings_and_says_how_to_reproduce(report):
    text = step_summary(report, "datalint check data/")
    assert text.startswith("### datalint: 5 violations (2 errors, 2 warnings, 1 info)\n")
    assert "| `P007` leaked-special-token | error | 2 |" in text
    assert "| `S103` unknown-format | info | 1 |" in text
    # most severe first; dataset text cannot open HTML or split the table
    rows = [
        line for line in text[text.index("The first finding of each rule") :].splitlines() if line.startswith("| /")
    ]
    assert [row.split("`")[1] for row in rows] == ["P007", "P001", "S103"]
    assert ":1:40 |" in rows[0] and ":2:" in rows[1]
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in text and "<b>" not in text
    assert text.rstrip().endswith("```sh\ndatalint check data/\n```")
    assert step_summary(report.with_violations([]), "datalint check x").startswith("### datalint: all checks passed")


def test_github_property_escaping():
    from datalint.formatters.github import _escape_property

    assert _escape_property("a,b:c%d\ne") == "a%2Cb%3Ac%25d%0Ae"
