"""Campaign plans: the plan as data, loading it into measure cases, self-declarations (集中填报), plan
coverage and the case-type catalogue.

Imports cases (every case it opens goes through a unit of work), engine, definitions, ports and the
top level; plan files are read through the ports.YamlFiles port.
"""
