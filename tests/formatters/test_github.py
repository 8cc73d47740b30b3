from datalint.formatters import render


def test_github_annotations(report, dataset):
    lines = render("github", report).splitlines()
    assert len(lines) == 5
    path = str(dataset).replace(":", "%3A").replace(",", "%2C")
    assert lines[1] == (
        f"::error file={path},line=1,col=40,endColumn=53,title=P007 [leaked-special-token]"
        "::special token: '<|endoftext|>' in response"
    )
    # info -> notice, no endColumn when the span is unknown
    assert lines[0] == f"::notice file={path},line=1,col=1,title=S103 [unknown-format]::records match no known format"
    # message data escaped: %, newline; commas and colons stay in the message
    assert lines[2].endswith('::AI disclaimer: "As an AI, I" <b>&</b>%0Asecond line, 100%25 sure: yes')
    assert lines[4].endswith(f"(related: {dataset}:1)")


def test_github_property_escaping():
    from datalint.formatters.github import _escape_property

    assert _escape_property("a,b:c%d\ne") == "a%2Cb%3Ac%25d%0Ae"
