"""The public dashboards: overview, sectors, indicators, org units, milestones
and reporting completeness. They read figures only from ``Aggregate``."""
