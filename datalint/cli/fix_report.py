"""What `check --fix` and `check --diff` tell the user: the fixed files written and a summary of
what changed, or the diff; rounds that did not converge, unsafe fixes left out, columnar inputs."""

from __future__ import annotations

import click

from datalint.cli.output import plural


def tell_fixes(fixed, *, write: bool, listed: bool = False) -> None:
    """Write the fixed files and say what changed (stderr), or print the diff of every round's fixes;
    stdin's fixed bytes are the caller's to print."""
    from datalint import fix

    if write:
        fix.write(fixed)
        if fixed.files:
            click.echo(_fix_summary(fixed), err=True)
            if listed:
                click.echo(_fixed_listing(fixed), err=True, nl=False)
    else:
        for item in fixed.files:
            click.echo(fix.unified_diff(item), nl=False)
    if not fixed.converged:
        click.echo(
            f"datalint: warning: fixes still apply after {fixed.rounds} rounds; run --fix again to apply them.",
            err=True,
        )
    if fixed.unsafe_skipped:
        count = fixed.unsafe_skipped
        click.echo(f"{count:,} more fix{'es' * (count != 1)} available with --unsafe-fixes.", err=True)


def note_columnar_not_fixed(report) -> None:
    """--fix and --diff rewrite JSONL files only; a columnar input with findings is named on stderr,
    and the run goes on (a folder may mix JSONL files to fix with Parquet shards to lint)."""
    columnar = sorted({summary.path for summary in report.files if summary.columnar})
    if columnar:
        names = ", ".join(columnar[:3]) + (f" and {len(columnar) - 3} more" if len(columnar) > 3 else "")
        click.echo(
            f"datalint: note: not fixed: {names} "
            "(--fix and --diff rewrite JSONL files, never a Parquet or Arrow input)",
            err=True,
        )


def _fixed_listing(fixed) -> str:
    """What --fix --show-fixes adds: the fixes applied per file and rule, as ruff lists them."""
    lines = []
    for item in fixed.files:
        lines.append(f"- {item.path}:")
        lines += [f"    {count:,} × {code} ({name})" for code, name, count in item.rules]
    return "".join(line + "\n" for line in lines)


def _fix_summary(fixed) -> str:
    """What --fix did, in the words a reviewer of the diff needs: records removed, lines changed."""
    removed = sum(item.removed for item in fixed.files)
    changed = sum(item.changed for item in fixed.files)
    what = []
    if removed:
        what.append(f"removed {plural(removed, 'record')}")
    if changed:
        what.append(f"changed {plural(changed, 'line')}")
    return f"Fixed {plural(fixed.applied, 'violation')} in {plural(len(fixed.files), 'file')}: {', '.join(what)}."
