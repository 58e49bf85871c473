"""The case engine: the state machine (machine, the only user of `transitions`), who may see and do
what (policy), and the replay of events into case state (projection, with its table of folds).

Pure functions over definitions, events and records; imports nothing above them.
"""
