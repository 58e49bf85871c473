"""The state-machine calculator: the one module that uses the `transitions` library.

`Lifecycle(definition).step(state, trigger)` finds the transition a trigger takes from `state`
(or says why there is none); `fire(state, trigger, ctx)` answers "where does it take the case?",
evaluating its guards, and raises when it may not. `Lifecycles` keeps one per definition version.

No machine lives per case: each thread keeps one machine per definition with one small model
attached for good, and every call first sets that model's state to the case's stored state (a model
attached afresh would start in the machine's initial state, and a case loaded from the database is
rarely there). So memory does not grow with the number of cases; no two threads ever touch the same
machine or model (`transitions` machines are not thread-safe); and the machine's model list stays
one long (attached models are never released otherwise). Attaching and detaching a model per call
(`add_model` binds a dozen methods) would cost more than the rest of the computation.
"""
from __future__ import annotations

import threading

from transitions import Machine, MachineError

from workflow.definitions.guards import GuardContext, evaluate
from workflow.definitions.model import Definition, TransitionSpec
from workflow.errors import GuardRejected, TransitionNotAllowed
from workflow.messages import Message


class _Model:
    """What the machine drives for one call; only `state` and the refusal reason live here."""

    state: str
    refusal: Message | None = None


class Lifecycle:
    """Computes transitions of one definition version."""

    def __init__(self, definition: Definition) -> None:
        self.definition = definition
        self._local = threading.local()

    def _machine(self) -> Machine:
        machine = getattr(self._local, "machine", None)
        if machine is None:
            machine = self._local.machine = self._build()
        return machine

    def _model(self) -> _Model:
        """This thread's model, attached to this thread's machine once."""
        model = getattr(self._local, "model", None)
        if model is None:
            model = self._local.model = _Model()
            self._machine().add_model(model, initial=self.definition.initial)
        return model

    def _build(self) -> Machine:
        transitions = [
            {
                "trigger": t.trigger,
                "source": list(t.sources),
                "dest": t.dest,
                # A guard that says no records why, so the caller can tell the user.
                "conditions": [self._condition(t)],
            }
            for t in self.definition.transitions
        ]
        return Machine(
            model=None,
            states=list(self.definition.states),
            transitions=transitions,
            initial=self.definition.initial,
            auto_transitions=False,  # no unguarded to_<state>() jumps
            send_event=True,
            queued=False,
            ignore_invalid_triggers=False,  # a blocked trigger raises, never returns False silently
        )

    @staticmethod
    def _condition(spec: TransitionSpec):  # type: ignore[no-untyped-def]
        def check(event) -> bool:  # type: ignore[no-untyped-def]
            ctx: GuardContext = event.kwargs["ctx"]
            reason = evaluate(spec.guards, ctx)
            event.model.refusal = reason
            return reason is None

        return check

    def step(self, state: str, trigger: str) -> TransitionSpec:
        """The transition `trigger` takes from `state`; TransitionNotAllowed (naming what is possible) if none."""
        spec = self.definition.transition(state, trigger)
        if spec is None:
            raise TransitionNotAllowed(self._not_allowed(state, trigger))
        return spec

    def fire(self, state: str, trigger: str, ctx: GuardContext) -> str:
        """Return the state `trigger` leads to from `state`.

        Raises:
            TransitionNotAllowed: the trigger does not leave `state` (or does not exist).
            GuardRejected: a guard of the transition refused, with its reason.
        """
        machine = self._machine()
        if trigger not in machine.events:
            # Checked up front: transitions reports an unknown event as AttributeError, which would
            # also swallow a genuine AttributeError raised inside a guard.
            raise TransitionNotAllowed(self._not_allowed(state, trigger))
        model = self._model()
        machine.set_state(state, model=model)  # the case's stored state, whatever the last call left
        model.refusal = None
        try:
            moved = model.trigger(trigger, ctx=ctx)  # type: ignore[attr-defined]  # bound by add_model
        except MachineError:
            raise TransitionNotAllowed(self._not_allowed(state, trigger)) from None
        if not moved:
            raise GuardRejected(model.refusal or Message("step.refused", trigger=trigger))
        return model.state

    def available(self, state: str) -> list[str]:
        """Triggers that leave `state`, in definition order (no model needed)."""
        return [t.trigger for t in self.definition.transitions_from(state)]

    def _not_allowed(self, state: str, trigger: str) -> Message:
        options = self.available(state)
        possible: list[str] | Message = options or Message("step.nothing_possible")
        if trigger in {t.trigger for t in self.definition.transitions}:
            return Message("step.not_possible", trigger=trigger, state=state, possible=possible,
                           case_type=self.definition.name)
        return Message("step.unknown_trigger", trigger=trigger, possible=possible, case_type=self.definition.name)

    @property
    def attached_models(self) -> int:
        """Models attached to this thread's machine (never more than one: its own)."""
        return len(self._machine().models)


class Lifecycles:
    """One Lifecycle per definition version, made on first use (a loaded definition never changes)."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, int, str], Lifecycle] = {}

    def of(self, definition: Definition) -> Lifecycle:
        key = (definition.name, definition.version, definition.content_hash)
        found = self._by_key.get(key)
        if found is None:
            found = self._by_key[key] = Lifecycle(definition)
        return found
