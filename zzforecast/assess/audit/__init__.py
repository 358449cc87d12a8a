"""The plan-consistency audit: what the plan's own numbers imply, and where they disagree.

:func:`audit_plan` turns the target registry (and, optionally, the cluster registry and
observations) into a list of :class:`Finding` objects; :func:`render_text` writes them in
Chinese (default) or English and :func:`to_json` gives the same numbers as data.

Every number in a finding is computed here from the targets (never typed in), so a
changed registry changes the audit. Facts of one plan document (price history, which
annex holds what, where its wording differs) come from that plan's ``audit.yaml``
(:class:`~zzforecast.data.plan.AuditFacts`), never from this module. Numbers taken from
the bundled data are flagged when that data is synthetic.

Modules: :mod:`.finding` (the finding object and shared helpers), :mod:`.bases` (checks
of levels, bases and growth), :mod:`.statements` (star coverage, ratios, leading firms,
wording, projects), :mod:`.render` (text and JSON).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...data.plan import AuditFacts
from ...data.schemas import MONTHLY_INDICATORS
from ...data.targets import Target
from . import bases, statements
from .finding import Finding
from .render import render_text, to_json

__all__ = [
    "Finding",
    "DEFAULT_DEFLATORS",
    "DEFAULT_SHARES",
    "audit_plan",
    "render_text",
    "to_json",
]

DEFAULT_DEFLATORS = tuple(round(x, 2) for x in np.arange(-0.02, 0.0701, 0.01))
DEFAULT_SHARES = tuple(round(x, 2) for x in np.arange(0.60, 0.9501, 0.05))


def audit_plan(targets: list[Target], clusters: pd.DataFrame | None = None,
               observations: pd.DataFrame | None = None, *, year: int | None = None,
               deflators=DEFAULT_DEFLATORS, shares=DEFAULT_SHARES,
               projects: pd.DataFrame | None = None,
               facts: AuditFacts | None = None) -> list[Finding]:
    """Audit the plan's targets for internal consistency and implications.

    Parameters
    ----------
    targets : list of Target
        The registry (:func:`zzforecast.data.targets.load_targets`).
    clusters : pandas.DataFrame, optional
        The cluster registry (for shares, star coverage, leading-firm totals).
    observations : pandas.DataFrame, optional
        Observations (for last year's levels and the provincial share); flagged as
        synthetic in the text when their ``synthetic`` column says so.
    year : int, optional
        The plan year; bases are ``year - 1``. Default: the year the targets carry.
    deflators : sequence of float
        Industrial price changes (fractions) for the IAV table.
    shares : sequence of float
        Provincial shares for the park-growth tables.
    projects : pandas.DataFrame, optional
        The major-projects table (counts by status, planned investment).
    facts : AuditFacts, optional
        The plan's own facts (``params/plans/<year>/audit.yaml``); without them the
        findings say the general thing only.

    Returns
    -------
    list of Finding
    """
    from ...data.targets import targets_year

    year = targets_year(targets, year)
    facts = facts if facts is not None else AuditFacts()
    synthetic = bool(observations is not None and "synthetic" in observations
                     and observations["synthetic"].astype(str).str.lower().isin(
                         ["true", "1"]).any())
    findings: list[Finding] = []
    findings += bases.employment_conflict(targets, observations, year, synthetic)
    findings += bases.fai_implied_base(targets, observations, year, synthetic)
    findings += bases.iav_implied_base(targets, observations, year, synthetic, deflators, facts)
    for ind in MONTHLY_INDICATORS:
        findings += bases.park_growth(targets, clusters, observations, year, synthetic, shares,
                                      ind, facts)
    findings += bases.revenue_industry_sum(targets, observations, year, synthetic, facts)
    findings += statements.revenue_wording(targets, facts)
    findings += statements.star_coverage(targets, clusters)
    findings += statements.leading_firms_total(targets, clusters)
    findings += statements.major_projects(targets, projects, year, synthetic, facts)
    findings += statements.ratios(targets)
    return findings
