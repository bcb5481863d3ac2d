"""``flask import structure FILE.xlsx|csv``: load a county's places, teams and people."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from server import clock
from server.admin import importer

cli = AppGroup("import", help="Import data from spreadsheets and boundary files (导入).")


def _progress(items, length: int, label: str):
    """A progress bar on the terminal (click hides it when the output is not a terminal)."""
    with click.progressbar(items, length=length, label=label, show_pos=True) as bar:
        yield from bar




@cli.command("structure")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate and count, then write nothing.")
@click.option("--prune", is_flag=True,
              help="Sync mode: within the communities FILE names (no other), retire the grids, "
                   "sections, teams and posts it does not list; refused while open work is there.")
def structure(file: Path, dry_run: bool, prune: bool):
    """Communities, grids, sections, A/B teams and their people from FILE (.xlsx or .csv).

    Every bad row is listed and nothing is written unless the whole file is valid.
    Importing the same file again changes nothing. A section listed under another grid of
    its community (and no longer under its own) moves there.
    """
    report = importer.import_structure(filename=file.name, data=file.read_bytes(), actor=None,
                                       now=clock.now(), dry_run=dry_run, prune=prune,
                                       track=_progress)
    if report.ok:
        verb = "将" if dry_run else "已"
        for move in report.moved:
            click.echo(f"{verb}移动片区 move section {move['community_code']}/{move['from_grid']}/"
                       f"{move['section']} → {move['to_grid']}")
        for line in _retired_lines(report.retired):
            click.echo(f"{verb}停用 retire {line}")
    _finish(report, f"{report.rows} rows", "+", dry_run)


def _retired_lines(retired: dict) -> list[str]:
    return ([f"grid {g['community_code']}/{g['name']}" for g in retired.get("grids", [])]
            + [f"section {s['community_code']}/{s['grid']}/{s['name']}"
               for s in retired.get("sections", [])]
            + [f"team {t['community_code']}/{t['name']}" for t in retired.get("teams", [])]
            + [f"post {p['name']} {p['phone']} @ {p['team']}" for p in retired.get("posts", [])])


def _finish(report, what: str, sign: str, dry_run: bool) -> None:
    """Every error on stderr and a failure, or the counts: the end of every import."""
    for problem in [*getattr(report, "warnings", []), *report.errors]:
        click.echo(problem.render(), err=True)
    if not report.ok:
        count = len(report.errors)
        raise click.ClickException(
            f"{count} 处错误，未写入任何数据 / {count} error(s), nothing written")
    done = "（试运行，未写入 dry run, nothing written）" if dry_run else ""
    click.echo(f"{what}{done}: " + ", ".join(f"{key} {sign}{value}" for key, value in report.counts.items()))


@cli.command("boundaries")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--coord-system", type=click.Choice(["wgs84", "gcj02", "bd09"]), default="wgs84",
              show_default=True, help="The coordinate system of FILE (Tencent/Gaode: gcj02; Baidu: bd09).")
@click.option("--dry-run", is_flag=True, help="Validate and count, then write nothing.")
def boundaries_command(file: Path, coord_system: str, dry_run: bool):
    """Section boundaries from FILE (GeoJSON, KML or a zipped Shapefile), matched by section_id or by community
    code or name, grid and section names.

    Every problem is listed per feature and nothing is written unless the whole file is valid.
    Importing the same file again changes nothing.
    """
    from server.place import boundaries

    report = boundaries.import_boundaries(filename=file.name, data=file.read_bytes(),
                                          coord_system=coord_system, actor=None, now=clock.now(),
                                          dry_run=dry_run)
    _finish(report, f"{report.features} features", "", dry_run)
