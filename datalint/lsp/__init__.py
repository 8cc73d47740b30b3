"""`datalint server`: a language server (LSP over stdio) that lints the buffer as it is typed.

- `document.py`: an open buffer as the lines of a dataset, edited in place by the client's changes,
  and what the passes found in it (dataset findings follow their lines as lines move).
- `positions.py`: columns in code points (the output's) to LSP positions (UTF-16 by default).
- `convert.py`: violations to diagnostics, fixes to text edits, the rule docs a diagnostic links to.
- `actions.py`: code actions (fix, fix all, suppress) and hover on findings.
- `suppress.py`: the `[[suppress]]` entry "suppress this finding" writes to the config.
- `server.py`: the protocol handlers and the scheduling of the two passes (needs pygls: the `lsp` extra).

The record pass runs through `datalint.lint_lines`, which re-checks only lines whose content it has
no result for; the server keeps those results per open document between changes.
"""
