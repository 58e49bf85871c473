"""The case engine: the state machine (the only user of `transitions`), guards, typed fields,
computed fields, access policy and the replay of events into case state (projection).

Pure functions over definitions and events; imports the top level and workflow.definitions. Still to
untangle (issue 11): projection registers workflow.escalation.folds, and ports imports CaseState from here.
"""
