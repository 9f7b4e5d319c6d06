"""Adherence and outcome reports: what happened after procedures of a care plan in a period,
as figures for clinic leads (aggregate only: no patient is named)."""
