"""The audit log as evidence: verify every chain and replay, export a bundle, the stand-alone bundle verifier.

Imports engine (replay), ports and the top level. The stand-alone verifier (bundle_verify) imports
only the standard library, so an auditor can run it anywhere.
"""
