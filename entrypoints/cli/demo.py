"""`invitebot demo seed`: the demo workspace on the sandbox provider."""

from __future__ import annotations

import json
import logging
import time

import typer

from core.config import Settings
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
    from entrypoints.demo import run_demo

    rows, summary = run_demo(settings, days=days, withdraw_after=withdraw_after)
    summary["wall_seconds"] = round(time.perf_counter() - started, 1)
    if as_json:
        typer.echo(json.dumps({"days": rows, "summary": summary}, indent=2, default=str))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"invitebot demo: {summary['campaign']} (sandbox, nobody is contacted)")
    headers = ["day", "planned", "skipped", "sent", "accepted", "welcomed", "follow-ups", "replied", "withdrawn",
               "cap"]
    for h in headers:
        table.add_column(h, justify="right" if h != "day" else "left")
    for r in rows:
        table.add_row(r["day"], *(str(r[k]) for k in ("planned", "skipped_by_moderation", "sent", "accepted",
                                                        "welcomed", "followed_up", "replied", "withdrawn")),
                      "yes" if r["cap_reached"] else "")
    console = Console()
    console.print(table)
    console.print(" · ".join(f"{k.replace('_', ' ')}: {v}" for k, v in summary.items() if k != "campaign"))


@app.command("seed")
def seed() -> None:
    """Create the demo workspace (or complete it): members, sandbox accounts, finders, segments, contacts."""
    from core.demo.seed import seed_demo

    with unit_of_work() as session:
        demo = seed_demo(session=session, provider="sandbox")
    console.print(f"Demo workspace [bold]{demo.workspace.name}[/bold] (id {demo.workspace.id}): "
                  f"{len(demo.members)} members, {len(demo.accounts)} LinkedIn accounts, {len(demo.finders)} finders, "
                  f"{len(demo.segments)} segments, {demo.contacts} contacts.")
