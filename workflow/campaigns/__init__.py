"""Campaign plans: the plan as data, loading it into measure cases, self-declarations, plan coverage
and the case-type catalogue.

Imports the top level, definitions, engine and cases.
"""
