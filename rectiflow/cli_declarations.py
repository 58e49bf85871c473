"""`rectiflow declarations …`: issue a form to every staff member of a unit, see who has filed, spot-check."""
from __future__ import annotations

import click

from rectiflow.common import application, handles_errors, json_option
from rectiflow.output import emit

type_option = click.option("--type", "case_type", default="self_declaration", show_default=True,
                           help="The declaration type (a case type with a `declarant` field).")
round_option = click.option("--round", "round_no", type=int, default=1, show_default=True,
                            help="Round (2 = the second round of supplementary reports).")
subunits_option = click.option("--subunits", is_flag=True, help="Include the unit's sub-units.")


@click.group()
def declarations() -> None:
    """Self-declarations (集中填报): one form per person."""


@declarations.command("issue")
@click.option("--unit", required=True, help="Unit code.")
@click.option("--as", "actor", required=True, help="Login of the issuer (registrar or supervisor).")
@type_option
@round_option
@subunits_option
@json_option
@handles_errors
def issue(unit: str, actor: str, case_type: str, round_no: int, subunits: bool, as_json: bool) -> None:
    """Issue a form to every staff member of UNIT who has none for this round (safe to run again)."""
    report = application().declarations.issue(unit, actor=actor, case_type=case_type, round_no=round_no,
                                                  subunits=subunits)
    data = report.to_dict()
    lines = [f"{unit}: {len(report.issued)} issued, {len(report.already)} already had one, "
             f"{len(report.skipped)} skipped"]
    lines += [f"  issued {p['login']} → {p['case']}" for p in report.issued]
    lines += [f"  skipped {p['login']}: {p['reason']}" for p in report.skipped]
    emit(as_json, data, "\n".join(lines))


@declarations.command("status")
@click.option("--unit", required=True, help="Unit code.")
@type_option
@round_option
@subunits_option
@json_option
@handles_errors
def status(unit: str, case_type: str, round_no: int, subunits: bool, as_json: bool) -> None:
    """Who in UNIT has filed and who has not."""
    data = application().declarations.status(unit, case_type=case_type, round_no=round_no, subunits=subunits)
    lines = [f"{unit} {data['type']} round {round_no}: {data['filed']}/{data['staff']} filed, "
             f"{data['issued']} issued"]
    lines += [f"  {'filed    ' if p['filed'] else 'not filed' if p['case'] else 'no form  '} {p['login']:<14} "
              f"{p['name']}  {p['state'] or ''}" for p in data["people"]]
    emit(as_json, data, "\n".join(lines))


@declarations.command("spot-check")
@click.option("--unit", required=True, help="Unit code.")
@click.option("--as", "actor", required=True, help="Login of the supervisor selecting the sample.")
@click.option("--rate", type=float, required=True, help="Share of filed forms to check, e.g. 0.2.")
@click.option("--seed", type=int, default=None, help="Random seed (printed, so the sample can be reproduced).")
@type_option
@round_option
@subunits_option
@json_option
@handles_errors
def spot_check(unit: str, actor: str, rate: float, seed: int | None, case_type: str, round_no: int,
               subunits: bool, as_json: bool) -> None:
    """Select a random sample of filed forms in UNIT for a spot check (随机抽查)."""
    data = application().declarations.spot_check(unit, actor=actor, rate=rate, seed=seed, case_type=case_type,
                                                     round_no=round_no, subunits=subunits)
    emit(as_json, data, f"{unit}: {len(data['selected'])} of {data['candidates']} filed forms selected "
                        f"(seed {data['seed']}): {' '.join(data['selected'])}")


COMMANDS = (declarations,)
