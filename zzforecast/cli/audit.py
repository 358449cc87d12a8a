"""``zzforecast audit``: the plan-consistency audit (Chinese by default, ``--lang en``).

Reads one year's plan (``params/plans/<year>/``: targets, star goals, audit facts) and,
when present, ``data/clusters`` and ``data/observations`` (for last year's levels and the
provincial share; flagged when synthetic). Exit 2 with one line per problem when an input
is invalid, or when there is no plan for the year (naming the years available).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from . import arguments

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "audit",
        help="plan-consistency audit: conflicts and what the plan's numbers imply",
        description=(
            "Check the plan's targets against each other: the two employment targets, the "
            "base each level-and-growth pair implies (with the IAV deflator), the growth the "
            "municipal parks need given the provincial targets, the industry revenue targets "
            "against the total, and smaller implications. Figures taken from the data are "
            "labelled when the data are synthetic."),
    )
    arguments.add_lang(parser, "language of the text (default: zh)")
    arguments.add_format(parser)
    parser.add_argument("--params", default="params", metavar="DIR",
                        help="parameter folder holding plans/<year>/ (default: params)")
    parser.add_argument("--data", default=None, metavar="DIR",
                        help="data folder; figures from it are added (default: data, used "
                             "when it exists)")
    parser.add_argument("--no-data", action="store_true",
                        help="audit the targets alone, without data")
    parser.add_argument("--year", type=arguments.year, default=None,
                        help="plan year (default: the latest plan in <params>/plans/)")
    parser.set_defaults(handler=run)


def _load_data(data_dir: Path):
    """Clusters, observations and projects from ``data_dir`` (None where absent)."""
    from ..data.loaders import find_table, load_clusters, load_observations, load_projects
    from ..exceptions import DataError

    if not data_dir.is_dir():
        return None, None, None
    problems = []
    path, found = find_table(data_dir, "clusters")
    problems += found
    clusters = load_clusters(path) if path is not None else None
    obs = None
    path, found = find_table(data_dir, "observations")
    problems += found
    if problems:
        raise DataError(problems)
    if path is not None:
        obs = load_observations(path, clusters)
    path, found = find_table(data_dir, "projects")
    if found:
        raise DataError(found)
    projects = load_projects(path, clusters) if path is not None else None
    return clusters, obs, projects


def run(args: argparse.Namespace) -> int:
    from ..assess.audit import audit_plan, render_text, to_json
    from ..data.plan import load_plan, resolve_plan_year, with_star_goals
    from ..exceptions import UserError

    year = resolve_plan_year(args.params, args.year)
    clusters = obs = projects = None
    if not args.no_data:
        data_dir = Path(args.data or "data")
        if args.data is not None and not data_dir.is_dir():
            raise UserError(f"{data_dir}: data folder not found (or pass --no-data)")
        clusters, obs, projects = _load_data(data_dir)
    plan = load_plan(args.params, year, clusters)
    if clusters is not None:
        clusters = with_star_goals(clusters, plan)
    findings = audit_plan(plan.targets, clusters, obs, year=year, projects=projects,
                          facts=plan.audit)
    synthetic = bool(obs is not None and obs["synthetic"].astype(bool).any())
    source = plan.source(args.lang)
    if args.format == "json":
        print(to_json(findings, args.lang, synthetic=synthetic, source=source, year=year))
    else:
        print(render_text(findings, args.lang, synthetic=synthetic, source=source), end="")
    return 0
