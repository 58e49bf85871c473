"""The database schema as SQLAlchemy Core tables (migrations in workflow/adapters/sql/migrations create it).

`case_events` is the source of truth and append-only (database triggers refuse UPDATE, DELETE and
TRUNCATE); `cases` is the read model, updated in the same transaction as every append and always
rebuildable from the events.
"""
from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

metadata = MetaData()
# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit sequence.
SeqType = BigInteger().with_variant(Integer(), "sqlite")
TIME = String(32)  # fixed-width ISO-8601 UTC text, sortable on every database

units = Table(
    "units", metadata,
    Column("code", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("parent", String(64), ForeignKey("units.code"), nullable=True),
)

users = Table(
    "users", metadata,
    Column("login", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("role", String(32), nullable=False),
    Column("unit", String(64), ForeignKey("units.code"), nullable=True),
    Column("password_hash", String(255), nullable=False, default=""),
    Column("active", Boolean, nullable=False, default=True),
    Column("session_token", String(64), nullable=False, default=""),
    # Migration dir_0001: an administrator reset the password; the next login must choose a new one.
    Column("must_change_password", Boolean, nullable=False, default=False, server_default=false()),
)

definitions = Table(
    "definitions", metadata,
    Column("name", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("content_hash", String(64), nullable=False),
    Column("source", String(500), nullable=False),
    Column("text", Text, nullable=False),
    Column("loaded_at", TIME, nullable=False),
)

case_events = Table(
    "case_events", metadata,
    Column("seq", SeqType, primary_key=True, autoincrement=True),
    Column("case_id", String(40), nullable=False),
    Column("version", Integer, nullable=False),
    Column("at", TIME, nullable=False),
    Column("actor", String(80), nullable=False),
    Column("action", String(40), nullable=False),
    Column("from_state", String(64), nullable=True),
    Column("to_state", String(64), nullable=True),
    Column("payload", Text, nullable=False),
    Column("definition", String(64), nullable=False),
    Column("definition_version", Integer, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    # Concurrency comes from the schema: two appends of the same version cannot both commit.
    UniqueConstraint("case_id", "version", name="uq_case_events_case_version"),
    Index("ix_case_events_at", "at"),
)

cases = Table(
    "cases", metadata,
    Column("id", String(40), primary_key=True),
    Column("type", String(64), nullable=False),
    Column("definition_version", Integer, nullable=False),
    Column("title", String(400), nullable=False),
    Column("unit", String(64), nullable=False),
    Column("state", String(64), nullable=False),
    Column("stage", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    Column("assignee", String(64), nullable=True),
    Column("opened_at", TIME, nullable=False),
    Column("updated_at", TIME, nullable=False),
    Column("due_at", TIME, nullable=True),
    Column("snapshot", Text, nullable=False),
    Index("ix_cases_unit_stage", "unit", "stage"),
    Index("ix_cases_assignee", "assignee"),
    Index("ix_cases_type_state", "type", "state"),
    Index("ix_cases_due_at", "due_at"),
)

# The problem ledger (migration ledger_0001): a case's 问题编号 (its `ledger_no` field), so an import finds the
# case a ledger row already became. Unique per case type; cases without one leave it NULL (never equal).
cases.append_column(Column("ledger_no", String(64), nullable=True))
Index("ux_cases_type_ledger_no", cases.c.type, cases.c.ledger_no, unique=True)

# Campaigns as entities (migration entity_0001): the campaign (plan key) a case belongs to, set at intake and
# never changed; NULL for a case outside every campaign. Indexed: inbox, battle map and exports filter by it.
cases.append_column(Column("campaign", String(64), nullable=True))
Index("ix_cases_campaign", cases.c.campaign)

# Web UI (migration web_0001): who logged in, viewed a confidential case or exported the log.
# Append-only like case_events, but outside the case chains, so a view never bumps a case version.
access_log = Table(
    "access_log", metadata,
    Column("seq", SeqType, primary_key=True, autoincrement=True),
    Column("at", TIME, nullable=False),
    Column("actor", String(80), nullable=False),
    Column("action", String(40), nullable=False),
    Column("case_id", String(40), nullable=True),
    Column("outcome", String(16), nullable=False),
    Column("ip", String(64), nullable=False),
    Column("detail", Text, nullable=False),
    Index("ix_access_log_actor_action_at", "actor", "action", "at"),
    Index("ix_access_log_ip_action_at", "ip", "action", "at"),
    Index("ix_access_log_case", "case_id", "seq"),
    Index("ix_access_log_at", "at"),
)

# Login throttling (migration auth_0001): per-login and per-address attempt counters and locks, and the
# running count behind each aggregated failed-login row of the access log (workflow.directory.throttle).
login_counters = Table(
    "login_counters", metadata,
    Column("key", String(200), primary_key=True),  # "login:<login>", "ip:<address>", "log:<outcome>:<login>|<ip>"
    Column("count", Integer, nullable=False),
    Column("since", TIME, nullable=False),  # when counting (re)started
    Column("locked_until", TIME, nullable=True),
    Column("logged_at", TIME, nullable=True),  # the last access-log row written for this key
    Index("ix_login_counters_since", "since"),  # forgetting idle counters
)

# Saved inbox filters (migration filters_0001): a user's named inbox query strings, private to that user.
saved_filters = Table(
    "saved_filters", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("login", String(64), nullable=False),
    Column("name", String(80), nullable=False),
    Column("query", String(2000), nullable=False),  # the inbox query string, as saved (names checked)
    Column("created_at", TIME, nullable=False),
    UniqueConstraint("login", "name", name="uq_saved_filters_login_name"),
)

# Escalations (migration esc_0001): the sweep's due-time index, exactly-once firings, alerts, the lease.
cases.append_column(Column("next_escalation_at", TIME, nullable=True))
Index("ix_cases_next_escalation_at", cases.c.next_escalation_at)

escalation_firings = Table(
    "escalation_firings", metadata,
    # The primary key is the exactly-once guarantee: one firing per case, deadline instance and rung.
    Column("case_id", String(40), primary_key=True),
    Column("deadline_key", String(80), primary_key=True),
    Column("rung", String(64), primary_key=True),
    Column("level", Integer, nullable=False),
    Column("bulletin", Boolean, nullable=False),
    Column("due_at", TIME, nullable=False),
    Column("fired_at", TIME, nullable=False),
    Column("late", Boolean, nullable=False),
    Column("event_version", Integer, nullable=False),
    Column("fired_by", String(200), nullable=False),
    Index("ix_escalation_firings_fired_at", "fired_at"),
    Index("ix_escalation_firings_bulletin", "bulletin", "fired_at"),
)

alerts = Table(
    "alerts", metadata,
    Column("id", SeqType, primary_key=True, autoincrement=True),
    Column("login", String(64), nullable=False),
    Column("case_id", String(40), nullable=False),
    Column("event_version", Integer, nullable=False),
    Column("kind", String(32), nullable=False),  # widened by esc_0003
    Column("rung", String(64), nullable=True),
    Column("level", Integer, nullable=False),
    Column("at", TIME, nullable=False),
    Column("due_at", TIME, nullable=True),
    Column("late", Boolean, nullable=False),
    Column("read_at", TIME, nullable=True),
    UniqueConstraint("login", "case_id", "event_version", name="uq_alerts_login_case_event"),
    Index("ix_alerts_login_at", "login", "at"),
)

scheduler_leases = Table(
    "scheduler_leases", metadata,
    Column("name", String(64), primary_key=True),
    Column("owner", String(200), nullable=False),
    Column("acquired_at", TIME, nullable=False),
    Column("expires_at", TIME, nullable=False),
)

# Campaign plans (migration campaign_0001): loaded plans with their self-report windows, the
# measure → case mapping that makes `campaign load` idempotent, and issued self-declarations.
campaigns = Table(
    "campaigns", metadata,
    Column("key", String(64), primary_key=True),
    Column("title", String(400), nullable=False),
    Column("source", String(500), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("windows", Text, nullable=False),  # JSON: [{"from": date, "until": date, "label": {…}}]
    Column("plan", Text, nullable=False),  # JSON: the parsed plan (tasks, measures, targets)
    Column("loaded_at", TIME, nullable=False),
)

campaign_measures = Table(
    "campaign_measures", metadata,
    Column("campaign", String(64), ForeignKey("campaigns.key"), primary_key=True),
    Column("measure_id", String(64), primary_key=True),
    Column("case_id", String(40), nullable=False, unique=True),
)

# 评估验收: the one campaign_assessment case per campaign that records its units' scores (migration accept_0001)
campaign_assessments = Table(
    "campaign_assessments", metadata,
    Column("campaign", String(64), ForeignKey("campaigns.key"), primary_key=True),
    Column("case_id", String(40), nullable=False, unique=True),
)

declarations = Table(
    "declarations", metadata,
    Column("case_type", String(64), primary_key=True),
    Column("round", Integer, primary_key=True),
    Column("declarant", String(64), primary_key=True),
    Column("case_id", String(40), nullable=False, unique=True),
    Column("unit", String(64), nullable=False),
    Column("issued_at", TIME, nullable=False),
    Index("ix_declarations_unit", "unit", "case_type", "round"),
)

# The Merkle log (migration audit_0001): every case event and access-log row at one position of one
# append-only sequence, with its RFC 6962 leaf hash; the signed checkpoints; the deployment id.
log_entries = Table(
    "log_entries", metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("kind", String(8), nullable=False),
    Column("case_id", String(40), nullable=True),
    Column("version", Integer, nullable=True),
    Column("access_seq", SeqType, nullable=True),
    Column("leaf", String(64), nullable=False),
    UniqueConstraint("case_id", "version", name="uq_log_entries_event"),
    UniqueConstraint("access_seq", name="uq_log_entries_access"),
)

log_checkpoints = Table(
    "log_checkpoints", metadata,
    Column("id", SeqType, primary_key=True, autoincrement=True),
    Column("origin", String(200), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("root", String(64), nullable=False),
    Column("at", TIME, nullable=False),
    Column("note", Text, nullable=False),
)

# The sequencer's state (migration audit_frontier_0001): the tree's right edge at `size` and the
# seq watermarks below which every committed record is in the log (workflow.adapters.sql.merkle_log).
log_frontier = Table(
    "log_frontier", metadata,
    Column("id", SeqType, primary_key=True, autoincrement=True),
    Column("size", BigInteger, nullable=False),
    Column("nodes", Text, nullable=False),
    Column("event_mark", BigInteger, nullable=False),
    Column("access_mark", BigInteger, nullable=False),
)

audit_meta = Table(
    "audit_meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", String(200), nullable=False),
)
