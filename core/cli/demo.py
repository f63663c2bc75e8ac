"""`invitebot demo seed`: the demo workspace on the sandbox provider."""

from __future__ import annotations

import typer

from core.cli.common import console, unit_of_work

app = typer.Typer(help="The demo workspace.", no_args_is_help=True)


@app.command("seed")
def seed() -> None:
    """Create the demo workspace (or complete it): members, sandbox accounts, finders, segments, contacts."""
    from core.demo.seed import seed_demo

    with unit_of_work() as session:
        demo = seed_demo(session=session, provider="sandbox")
    console.print(f"Demo workspace [bold]{demo.workspace.name}[/bold] (id {demo.workspace.id}): "
                  f"{len(demo.members)} members, {len(demo.accounts)} LinkedIn accounts, {len(demo.finders)} finders, "
                  f"{len(demo.segments)} segments, {demo.contacts} contacts.")
