"""`invitebot demo seed`: the demo workspace on the sandbox provider."""

from __future__ import annotations

import json
import logging
import time
from datetime import date

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from core.config import Settings
from core.i18n import t
from entrypoints.cli.common import console, unit_of_work
from entrypoints.processes import configure_logging

app = typer.Typer(help="The demo: a fast-forwarded campaign (`invitebot demo`), or the demo workspace (`demo seed`).")


@app.callback(invoke_without_command=True)
def demo(ctx: typer.Context,
                 days: int = typer.Option(14, "--days", min=1, max=60, help="Days to fast-forward."),
                 as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
                 withdraw_after: int = typer.Option(7, "--withdraw-after", min=1,
                                                    help="Days before a pending invitation is withdrawn "
                                                         "(21 in production).")) -> None:
    """Fast-forward a moderated demo campaign through the real planner, digest, decisions, worker and
    sandbox, in a throw-away database under VAR_DIR; print a day-by-day table and a summary."""
    if ctx.invoked_subcommand is not None:
        return
    settings = Settings()
    configure_logging(settings)
    for name in ("dramatiq", "invitebot"):  # the table tells the story
        logging.getLogger(name).setLevel(logging.WARNING)
    started = time.perf_counter()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from entrypoints.demo import run_demo

    # The run takes a while (every due send goes through the worker): its progress on stderr, gone
    # once done, so that the table (or the JSON) is all stdout holds.
    columns = (TextColumn("Fast-forwarding"), BarColumn(), MofNCompleteColumn(), TextColumn("days"),
               TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("demo", total=days)
        rows, summary = run_demo(settings, days=days, withdraw_after=withdraw_after,
                                 progress=lambda day: bar.update(task, completed=day))
    summary["wall_seconds"] = round(time.perf_counter() - started, 1)
    if as_json:
        typer.echo(json.dumps({"days": rows, "summary": summary}, indent=2, default=str))
        return
    console = Console()
    console.print(day_table(rows, summary["campaign"]))
    console.print(LEGEND, style="dim", highlight=False)
    console.print(" · ".join(f"{k.replace('_', ' ')}: {v}" for k, v in summary.items() if k != "campaign"),
                  highlight=False)


# Short headers so that the table fits an 80-column terminal; the legend says them in full.
COLUMNS = (("plan", "planned"), ("skip", "skipped_by_moderation"), ("sent", "sent"), ("acc", "accepted"),
           ("welc", "welcomed"), ("f-up", "followed_up"), ("repl", "replied"), ("wdrn", "withdrawn"))
LEGEND = ("plan: invitations planned · skip: skipped by the moderator · acc: accepted · welc: welcomed · "
          "f-up: follow-ups sent · repl: replied · wdrn: withdrawn · cap: the day's cap reached")


def day_table(rows: list[dict], campaign: str) -> Table:
    table = Table(title=f"{campaign} (sandbox: nobody is contacted)", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("day")
    for header, _ in COLUMNS:
        table.add_column(header, justify="right")
    table.add_column("cap", justify="center")
    for r in rows:
        day = date.fromisoformat(r["day"]).strftime("%a %d %b")
        table.add_row(day, *(str(r[key]) for _, key in COLUMNS), "yes" if r["cap_reached"] else "")
    return table


@app.command("seed")
def seed() -> None:
    """Create the demo workspace (or complete it): members, sandbox accounts, finders, segments, contacts."""
    from core.demo.seed import seed_demo

    with unit_of_work() as session:
        demo = seed_demo(session=session, provider="sandbox")
    console.print(t("cli.demo_seeded", name=demo.workspace.name, id=str(demo.workspace.id),
                    members=len(demo.members), accounts=len(demo.accounts), finders=len(demo.finders),
                    segments=len(demo.segments), contacts=demo.contacts))
