"""The audit log as evidence: verify every chain and replay, export, and the stand-alone bundle verifier.

Imports the top level and engine (replay) only.
"""
