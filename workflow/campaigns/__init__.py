"""Campaign plans: the plan as data, loading it into measure cases, self-declarations, plan coverage
and the case-type catalogue.

Imports the top level, definitions, engine and cases; still to untangle (issue 11): the loader and
declarations reach adapters.sql.campaign_tables directly.
"""
