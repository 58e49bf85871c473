"""The engine's message catalogue: every code and its English template (translations live in web/translations).

Kept apart from workflow.messages (which renders them) so the catalogue can grow by feature without crowding the
rendering rules. Templates use gettext's ``%(name)s`` placeholders; `N_` marks them for pybabel's extraction.
"""
from __future__ import annotations

from collections.abc import Mapping


def N_(text: str) -> str:
    """Mark a message template for extraction into the translation catalogue (it is not translated here)."""
    return text


MESSAGES: Mapping[str, str] = {
    # cases
    "case.not_found": N_("no case with id '%(case_id)s'"),
    "case.busy": N_("case %(case_id)s is being changed by another transaction"),
    "case.version_conflict": N_("case %(case_id)s is at version %(version)s, you saw version %(seen)s: "
                                "someone else acted first — reload and try again"),
    "case.changed_meanwhile": N_("case %(case_id)s changed while you acted: reload and try again"),
    "case.committed_first": N_("another change to this case was committed first; nothing was written"),
    "case.final_state": N_("case %(case_id)s is in final state '%(state)s'"),
    "case.not_assigned": N_("the case is not assigned to anyone"),
    "case.needs_unit": N_("the case needs a unit (--unit)"),
    "case.title_empty": N_("title: must not be empty"),
    "case.nothing_to_change": N_("nothing to change: give at least one field or file"),
    "case.return_needs_reason": N_("a return needs a reason"),
    "case.type_unknown": N_("unknown case type '%(case_type)s'%(known)s"),
    "bulk.too_many": N_("%(count)s cases: at most %(limit)s at a time"), "bulk.no_cases": N_("no case selected"),
    "bulk.bad_case": N_("'%(case_id)s' is not a case"), "filters.empty": N_("choose a filter first"),
    "bulk.needs_assignee": N_("choose whom to assign to"), "bulk.unknown_action": N_("no bulk action '%(action)s'"),
    "bulk.no_unread": N_("no unread alert about this case"), "filters.name_taken": N_("'%(name)s' exists already"),
    "filters.unknown_name": N_("not an inbox filter: %(names)s"), "filters.not_found": N_("no such saved filter"),
    # steps
    "step.not_possible": N_("'%(trigger)s' is not possible from state '%(state)s'; possible now: %(possible)s"),
    "step.unknown_trigger": N_("unknown trigger '%(trigger)s'; possible now: %(possible)s"),
    "step.nothing_possible": N_("nothing (final state)"),
    "step.refused": N_("'%(trigger)s' was refused"),
    "step.needs_fields": N_("%(where)s needs %(fields)s"),
    "where.intake": N_("intake"),
    "where.step": N_("step '%(trigger)s'"),
    "step.needs_comment": N_("this step needs a comment (the reason)"),
    "step.linked_case": N_("step '%(trigger)s' opens a linked %(case_type)s: %(reason)s"),
    # guards (why a step is refused)
    "guard.not_actor_of": N_("the person who did '%(trigger)s' may not also do this step (four-eyes rule)"),
    "guard.field_present": N_("field '%(field)s' must be filled in first"),
    "guard.field_equals": N_("only possible when '%(field)s' is %(value_repr)s"),
    "guard.field_in": N_("only possible when '%(field)s' is one of %(values)s"),
    "guard.field_not_in": N_("not possible when '%(field)s' is %(value_repr)s"),
    "guard.min_attachments": N_("needs at least %(count)s file(s) in '%(field)s' (has %(have)s)"),
    "guard.actor_is_assignee": N_("only the assigned handler (%(user)s) may do this step"),
    "guard.before_deadline": N_("only possible before the deadline"),
    "guard.after_deadline": N_("only possible once the deadline has passed"),
    "guard.only_if": N_("'%(field)s' may be %(value_repr)s only when: %(reason)s"),
    # fields and values
    "field.unknown": N_("unknown field '%(field)s' for %(case_type)s (known: %(known)s)"),
    "field.computed": N_("field '%(field)s' is computed by the engine and cannot be set"),
    "field.immutable": N_("field '%(field)s' is fixed at intake and cannot be changed"),
    "field.not_at_step": N_("field '%(field)s' cannot be set at this step (this step takes: %(takes)s)"),
    "field.unknown_user": N_("field '%(field)s': unknown user '%(user)s'"),
    "field.unknown_unit": N_("field '%(field)s': unknown unit '%(unit)s'"),
    "handover.not_assignable": N_("field '%(field)s': %(user)s cannot be given cases"),
    "text.not_utf8": N_("%(what)s: not valid UTF-8 text"),
    "text.single_line": N_("%(what)s: must be a single line"),
    "text.control_characters": N_("%(what)s: contains control characters"),
    "text.bidi_controls": N_("%(what)s: contains invisible text-direction characters (such as U+202E); "
                             "type it again without them"),
    "text.too_long": N_("%(what)s: %(length)s characters, the limit is %(limit)s"),
    "text.expected": N_("%(what)s: expected text"),
    "text.empty": N_("%(what)s: must not be empty"),
    "value.attachment": N_("%(what)s: attachments are added as files, not as values"),
    "value.date": N_("%(what)s: expected a date like 2026-03-31, got '%(value)s'"),
    "value.date_range": N_("%(what)s: %(value)s is outside the years %(first)s–%(last)s"),
    "value.integer": N_("%(what)s: expected a whole number"),
    "value.integer_got": N_("%(what)s: expected a whole number, got '%(value)s'"),
    "value.integer_range": N_("%(what)s: number out of range"),
    "value.integer_between": N_("%(what)s: %(value)s is outside the allowed range %(min)s to %(max)s"),
    "value.integer_at_least": N_("%(what)s: %(value)s is too small; the smallest allowed is %(min)s"),
    "value.integer_at_most": N_("%(what)s: %(value)s is too large; the largest allowed is %(max)s"),
    "value.date_past": N_("%(what)s: %(value)s is in the past; give today (%(today)s) or a later date"),
    "value.boolean": N_("%(what)s: expected yes/no (true/false), got '%(value)s'"),
    "value.choice": N_("%(what)s: '%(value)s' is not one of %(choices)s"),
    "value.identifier": N_("%(what)s: '%(value)s' is not a valid %(kind)s identifier"),
    # files
    "file.too_many": N_("at most %(limit)s files per step"),
    "file.not_attachment_field": N_("'%(field)s' is not an attachment field of %(case_type)s"),
    "file.not_at_step": N_("files for '%(field)s' cannot be added at this step"),
    "file.too_large": N_("file '%(name)s' is %(size)s bytes; the limit is %(limit)s"),
    "file.gone": N_("file '%(name)s' is no longer stored: add it again"),
    "file.empty": N_("file '%(name)s' is empty (0 bytes); attach a file with content"),
    # documents
    "document.template_missing": N_("bulletin template %(path)s: no such file"),
    "document.template_broken": N_("bulletin template %(path)s cannot be filled: %(reason)s"),
    # who may
    "access.read_only": N_("role '%(role)s' is read-only for cases"),
    "access.confidential": N_("%(case_type)s cases are confidential to %(roles)s"),
    "case.opened_by_campaign": N_("%(case_type)s cases are opened by their campaign (a plan load or an "
                                  "assessment), never by hand"),
    "access.may_not_open": N_("role '%(role)s' may not open %(case_type)s cases (openers: %(roles)s)"),
    "access.not_covered": N_("%(user)s (%(user_unit)s) does not cover unit '%(unit)s'"),
    "access.may_not_step": N_("role '%(role)s' may not '%(trigger)s' (allowed: %(roles)s)"),
    "access.may_not_assign": N_("role '%(role)s' may not assign %(case_type)s cases (assigners: %(roles)s)"),
    "access.may_not_return": N_("only the assignee or an assigner (%(roles)s) may return it"),
    "access.may_not_edit": N_("role '%(role)s' may not edit %(case_type)s fields (editors: %(roles)s)"),
    "access.capability": N_("role '%(role)s' may not %(doing)s (allowed: %(roles)s)"),
    "doing.flag": N_("flag cases for supervision"),
    "doing.recompute": N_("recompute deadlines"),
    "doing.migrate": N_("migrate cases to another definition version"),
    "doing.administer_accounts": N_("manage accounts and units"),
    "doing.grant_roles": N_("grant, change or revoke roles"),
    "doing.unlock_accounts": N_("unlock accounts locked after failed logins"),
    # the directory
    "directory.unknown_user": N_("unknown user '%(user)s'"),
    "directory.not_locked": N_("%(user)s is not locked: nothing to unlock"),
    "directory.unknown_unit": N_("unknown unit '%(unit)s'"),
    "directory.unit_code": N_("unit code '%(unit)s': use letters, digits, '.', '_' or '-' (max 64)"),
    "directory.login": N_("login '%(login)s': use letters, digits, '.', '_' or '-' (max 64)"),
    "directory.unknown_role": N_("unknown role '%(role)s' (known: %(roles)s)"),
    "directory.unit_exists": N_("unit '%(unit)s' already exists"),
    "directory.user_exists": N_("user '%(login)s' already exists"),
    "directory.password_length": N_("password must be %(min)s–%(max)s characters"),
    "directory.unit_required": N_("role '%(role)s' works within a unit: the user needs a unit"),
    "directory.own_account": N_("you cannot disable your own account"),
    "directory.own_role": N_("nobody can give themselves a role or change their own"),
    "directory.administrator_password": N_("the password of an administrator ('%(user)s') is reset on the server, "
                                           "with `rectiflow user reset-password`"),
    "directory.wrong_password": N_("the current password is wrong"),
    "directory.passwords_differ": N_("the new password and its repetition differ"),
    "directory.password_unchanged": N_("the new password must differ from the current one"),
    # deadlines, supervision, the sweep
    "deadline.extension_needs_date": N_("an extension needs the new date in '%(field)s'"),
    "deadline.extension_not_later": N_("an extension must move the deadline later than %(due)s (got %(value)s)"),
    "deadline.date": N_("field '%(field)s': expected a date like 2026-03-31, got '%(value)s'"),
    "supervision.closed": N_("case %(case_id)s is closed (%(state)s); nothing to supervise"),
    "supervision.already": N_("case %(case_id)s is already flagged at level %(level)s"),
    "supervision.listed": N_("case %(case_id)s is listed (挂牌督办); the listing comes down only when it closes"),
    "supervision.no_flag": N_("case %(case_id)s carries no manual flag"),
    "supervision.listed_until_closed": N_("case %(case_id)s is listed (挂牌督办): the listing comes down (摘牌) "
                                          "only once the case is closed"),
    "supervision.level": N_("level must be 1 (催办), 2 (督办) or 3 (挂牌督办), got %(level)s"),
    "sweep.lease_held": N_("%(holder)s holds the %(lease)s lease until %(until)s: it is sweeping; nothing was done"),
    # campaigns and declarations
    "campaign.not_loaded": N_("no campaign '%(campaign)s' is loaded (known: %(known)s)"),
    # campaigns as entities (i15-entity): the campaign a new case belongs to (workflow.cases.campaign_choice)
    "campaign.ambiguous": N_("several campaigns are under way for %(unit)s (%(campaigns)s): choose the case's "
                             "campaign (--campaign %(keys)s)"),
    "campaign.not_covering": N_("campaign %(campaign)s does not cover %(case_type)s cases of %(unit)s"),
    "campaign.category_not_in_plan": N_("category '%(category)s' is not one of campaign %(campaign)s's categories "
                                        "(%(known)s)"),
    "declarations.round": N_("round must be a whole number ≥ 1"),
    "declarations.rate": N_("rate must be more than 0 and at most 1 (e.g. 0.2 for 20%%)"),
    "declarations.not_a_form": N_("%(case_type)s is not a declaration type (it has no person field '%(field)s')"),
    # the problem ledger (workflow.ledger): import files and their rows
    "ledger.no_taken": N_("%(what)s: '%(value)s' is already the ledger number of another case of this type"),
    "ledger.not_importable": N_("%(case_type)s cases cannot be imported from a ledger (the type has no "
                                "ledger number field)"),
    "ledger.not_a_table": N_("%(name)s cannot be read: give an .xlsx workbook or a .csv file (UTF-8)"),
    "ledger.not_utf8": N_("%(name)s is not UTF-8 text: save the CSV as UTF-8 (with or without BOM), or use .xlsx"),
    "ledger.empty": N_("%(name)s has no rows to import"),
    "ledger.no_header": N_("%(name)s has no header row: the first row must name the columns"),
    "ledger.too_many_rows": N_("%(name)s has more than %(limit)s rows: split it into several files"),
    "ledger.too_large": N_("%(name)s is %(size)s bytes; at most %(limit)s bytes can be imported at once"),
    "ledger.missing_columns": N_("the header row lacks the required column(s) %(columns)s"),
    "ledger.duplicate_no": N_("%(what)s: '%(value)s' is already used in row %(other)s of this file"),
    "ledger.required": N_("%(what)s: must be filled in"),
    "ledger.required_for_state": N_("%(what)s: must be filled in for a problem in state '%(state)s'"),
    "ledger.unknown_unit": N_("%(what)s: no unit is named or has the code '%(value)s'"),
    "ledger.unknown_person": N_("%(what)s: no user is named or has the login '%(value)s'"),
    "ledger.ambiguous_person": N_("%(what)s: several users are named '%(value)s': give the login"),
    "ledger.unknown_state": N_("%(what)s: '%(value)s' is not a state a ledger row can be in (%(choices)s)"),
    "ledger.date_future": N_("%(what)s: %(value)s is after today (%(today)s)"),
    "ledger.date_order": N_("%(what)s: %(value)s is before %(other)s (%(before)s)"),
    "doing.import_ledger": N_("import a problem ledger"),
    # the running system
    "store.busy": N_("the database is busy; nothing was written — try again"),
    "store.nested_write": N_("this thread has a write transaction open already: nothing was written"),
    "database.not_initialised": N_("the database is not initialised: run `rectiflow db upgrade` first"),
    "database.schema_old": N_("the database schema is at %(applied)s, the code needs %(heads)s: "
                              "run `rectiflow db upgrade`"),
    "setting.instant": N_("%(setting)s: not an ISO-8601 instant: '%(value)s'"),
    "setting.integer": N_("%(setting)s: expected a whole number, got '%(value)s'"),
    "setting.too_small": N_("%(setting)s: expected a whole number of at least %(low)s, got '%(value)s'"),
    # the Merkle log's keys and checkpoints (workflow.audit.checkpoints, workflow.audit.notes)
    "migrate.bad_map": N_("--map: expected OLD_STATE=NEW_STATE, once per state; got '%(item)s'"),
    "migrate.unknown_state": N_("--map: %(case_type)s v%(version)s has no state '%(state)s' (its states: %(known)s)"),
    "definition.unreadable": N_("%(case_type)s v%(version)s (stored) is refused by this rectiflow: %(problem)s — "
                                "its cases can be read, not changed; move them with `rectiflow definitions migrate "
                                "%(case_type)s --to VERSION`"),
    "audit.key_unset": N_("RECTIFLOW_AUDIT_KEY is not set: it names the private key file that signs checkpoints "
                          "(make one with `%(command)s`)"),
    "audit.key_name": N_("a key name may not be empty or contain spaces or '+': '%(name)s'"),
    "audit.key_bad": N_("%(path)s: not a %(kind)s key in the signed-note format (Ed25519)"),
    "audit.key_unreadable": N_("%(path)s: cannot read the key: %(reason)s"),
    "audit.key_exists": N_("%(path)s already exists: a key is never overwritten"),
    "audit.note_malformed": N_("the checkpoint is not a well-formed signed note: it was edited or is not one"),
    "audit.note_unsigned": N_("the checkpoint carries no signature by key %(key)s+%(key_id)s (signed by: "
                              "%(signers)s): the key was swapped or the wrong public key was given"),
    "audit.note_bad_signature": N_("the checkpoint's signature by %(key)s does not verify: the checkpoint was edited"),
    "audit.proof_size": N_("no proof for tree sizes %(old)s and %(new)s: the log has %(size)s entries "
                           "(0 < OLD ≤ NEW ≤ the log's size)"),
    "audit.not_logged": N_("event %(version)s of case %(case_id)s is not in the Merkle log yet: run `%(command)s`"),
    "audit.origin_mismatch": N_("the checkpoint belongs to log %(origin)s, this database's log is %(expected)s"),
    # witnesses (workflow.audit.witness): cosigning checkpoints offline, and checking cosignatures
    "witness.key_bad": N_("%(path)s: not a witness public key (a signed-note verifier key of type 0x04, "
                          "as `%(command)s` writes)"),
    "witness.private_key_bad": N_("%(path)s: not a witness private key (as `%(command)s` writes)"),
    "witness.state_bad": N_("%(path)s: the witness state file is damaged; nothing was cosigned"),
    "witness.proof_bad": N_("%(path)s: not a consistency proof (the JSON that `%(command)s` writes)"),
    "witness.log_key_needed": N_("this witness has not seen log %(origin)s before: give the log's public key "
                                 "with --log-key PUB (it is remembered)"),
    "witness.log_key_changed": N_("refused: log %(origin)s is known to this witness by key %(known)s, "
                                  "not %(key)s — a log's key does not change"),
    "witness.shrunk": N_("refused: this witness cosigned %(last)s entries of log %(origin)s, the checkpoint has "
                         "only %(size)s — the tree shrank"),
    "witness.forked_same_size": N_("refused: the checkpoint of log %(origin)s has %(size)s entries like the one "
                                   "this witness cosigned, but another root hash — the log forked"),
    "witness.proof_needed": N_("refused: log %(origin)s grew from %(last)s to %(size)s entries; give --proof FILE "
                               "(on the server: `%(command)s`)"),
    "witness.proof_sizes": N_("refused: the proof is from size %(old)s to %(new)s, this witness needs one from "
                              "%(last)s to %(size)s (`%(command)s`)"),
    "witness.forked": N_("refused: the consistency proof does not show that the checkpoint of %(size)s entries "
                         "extends the one of %(last)s entries this witness cosigned — log %(origin)s forked or "
                         "was rewritten"),
    "witness.cosignature_missing": N_("the checkpoint carries no cosignature by witness %(key)s+%(key_id)s"),
    "witness.cosignature_bad": N_("the cosignature by witness %(key)s does not verify: the checkpoint was edited "
                                  "or the cosignature forged"),
    "witness.no_checkpoint": N_("no stored checkpoint %(id)s"),
    "witness.no_proof_needed": N_("the previous checkpoint has %(size)s entries: the witness needs no proof"),
    "witness.key_registered": N_("a witness key named %(name)s (or with the same key id) is registered already"),
    "witness.not_stored": N_("this is not one of the stored checkpoints: its content differs from every checkpoint "
                             "this server signed"),
    "witness.log_signature_missing": N_("the log's own signature is missing from the uploaded checkpoint"),
    "witness.no_registered_cosignature": N_("the checkpoint carries no cosignature by a registered witness key"),
    "witness.first_use": N_("cosigned %(size)s entries of log %(origin)s — trust on first use: this witness had "
                            "no earlier checkpoint of this log, so nothing was compared"),
    "witness.same": N_("cosigned %(size)s entries of log %(origin)s again: the same tree this witness cosigned "
                       "before"),
    "witness.extended": N_("cosigned %(size)s entries of log %(origin)s: a consistent extension of the %(last)s "
                           "entries this witness cosigned before"),
    "setting.definitions_missing": N_("no definitions folder at %(path)s (it needs roles.yaml): run rectiflow from "
                                      "the repository root, or set %(setting)s to the definitions folder"),
    "definition.invalid": N_("%(problems)s"),
    # 评估验收 with standards (workflow.definitions.acceptance, workflow.campaigns.assessment)
    "acceptance.not_met": N_("acceptance refused: %(count)s criterion(s) not met — %(criteria)s; record the failed "
                             "check on the return (not accepted) step instead"),
    "acceptance.missing": N_("the acceptance checklist is incomplete: no result for %(criteria)s"),
    "acceptance.unknown_criterion": N_("no acceptance criterion number %(numbers)s (the checklist has "
                                       "%(count)s)"),
    "acceptance.no_evidence": N_("criterion %(no)s (%(criterion)s) needs evidence: a note or a file"),
    "acceptance.unknown_file": N_("criterion %(no)s names the file '%(name)s', which is not on the case"),
    "acceptance.not_at_step": N_("step '%(trigger)s' records no acceptance checklist"),
    "assessment.no_indicators": N_("plan %(campaign)s has no assessment indicators"),
    "assessment.unknown_indicator": N_("plan %(campaign)s has no indicator '%(indicator)s' (it has: "
                                       "%(known)s)"),
    "assessment.unknown_unit": N_("unit %(unit)s is not a unit of plan %(campaign)s"),
    "assessment.score_range": N_("the score for '%(indicator)s' must be between 0 and %(max)s, got %(score)s"),
    "text": "%(text)s",  # a message with no code yet: its text as it is (never used by the engine itself)
}
