"""The length kind's helpers (the kind is datalint/checks/length.py): `truncation` judges whether an
answer stops mid-clause, `outliers` finds answers far longer than their task's norm."""
