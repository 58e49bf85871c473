"""The audit log as evidence: verify every chain and replay, export a bundle, the stand-alone bundle verifier,
and the Merkle log over every audit record with its signed checkpoints.

Imports engine (replay), ports and the top level. The stand-alone verifier (bundle_verify) imports
only the standard library, so an auditor can run it anywhere. merkle (RFC 6962 hashing and proofs)
is pure; notes (C2SP signed notes and checkpoints, Ed25519) uses `cryptography` but no files;
logcheck names what changed since a checkpoint; checkpoints is the use case; log_ports the
Protocols its adapters (workflow.adapters.sql.merkle_log, workflow.adapters.files.audit_keys) implement.
"""
