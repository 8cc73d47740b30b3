"""What an instruction asks for, read from its words: small pure functions shared by the checks.

Rules use them to tell a finding that is the point of the task (a table the instruction asked for,
a phone number it asked to make up, a translation, a fragment by design) from a defect the data
merely carries. Each function is pure and cheap (a lower-cased `in` test gates every regex), and
errs on the side of "yes": a check uses it to *not* report something the instruction asked for.

One module per kind of request: `size` (short answers and fragments: length rules), `exercise`
(values to make up or check: PII rules), `requests` (open requests, closed questions and small
talk: duplicate rules), `form` (structures and kinds of text: format rules), `language`
(languages: language rules) and `change` (changes, repetition and placeholders).
"""
