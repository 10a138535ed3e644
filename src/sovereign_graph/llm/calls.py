"""One structured LLM call for a role: the prompt in, a validated pydantic object out, usage counted.

Each call goes through the model's own `with_structured_output` (for ChatNVIDIA: `response_format`
json_schema, then `guided_json`, then `nvext.guided_json`). A failure (HTTP error, timeout, no answer in
the schema) is retried with exponential backoff by tenacity, waiting a 429's Retry-After when the server
sent one; the last failure becomes a `ModelError` naming the role and the model. Error text passes through
`redact` first, so a key that a client or server echoes never reaches a message or a log.
"""

from __future__ import annotations

import os
import re
import threading
import time
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_core.outputs import ChatGeneration, LLMResult
from pydantic import BaseModel, ValidationError
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from sovereign_graph.errors import InputError, ModelError
from sovereign_graph.llm.models import take_retry_after
from sovereign_graph.llm.prompts import system_message
from sovereign_graph.llm.role_models import Price, RetryPolicy, RoleModel
from sovereign_graph.state import RoleUsage

T = TypeVar("T", bound=BaseModel)
R = TypeVar("R")

KEY_VARIABLES = ("NVIDIA_API_KEY", "NGC_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY")
_KEY_SHAPES = re.compile(r"(nvapi-[A-Za-z0-9_\-]+|sk-[A-Za-z0-9_\-]{8,}|(?i:bearer)\s+[A-Za-z0-9._\-]+)")
# Statuses that another try cannot fix: a bad request, a bad key, an unknown model.
FINAL_STATUSES = frozenset({400, 401, 403, 404, 422})


def redact(text: str) -> str:
    """The text without any API key: the known variables' values and anything shaped like a key."""
    for variable in KEY_VARIABLES:
        value = os.environ.get(variable)
        if value and len(value) >= 8:
            text = text.replace(value, "***")
    return _KEY_SHAPES.sub("***", text)


def describe(error: BaseException) -> str:
    """One line, no key."""
    return redact(f"{type(error).__name__}: {' '.join(str(error).split())}")[:400]


class UnusableAnswer(Exception):
    """The model answered, but not with an object of the requested schema."""


class TruncatedAnswer(UnusableAnswer):
    """The model's answer was cut off at its max_tokens (finish_reason "length"): the same prompt would be cut off
    again, so it is not retried."""


def status_of(error: BaseException) -> int | None:
    for candidate in (
        getattr(error, "status_code", None),
        getattr(getattr(error, "response", None), "status_code", None),
    ):
        if isinstance(candidate, int):
            return candidate
    match = re.match(r"\s*\[(\d{3})\]", str(error))  # how the NVIDIA client words HTTP errors
    return int(match.group(1)) if match else None


def retryable(error: BaseException) -> bool:
    return not isinstance(error, InputError | TruncatedAnswer) and status_of(error) not in FINAL_STATUSES


def _retry_after_of(error: BaseException | None) -> float | None:
    from sovereign_graph.llm.models import parse_retry_after

    headers = getattr(getattr(error, "response", None), "headers", None)
    if headers is not None and (value := headers.get("retry-after")):
        return parse_retry_after(str(value))
    return take_retry_after()


def backoff_wait(policy: RetryPolicy) -> Callable[[RetryCallState], float]:
    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome is not None else None
        hinted = _retry_after_of(error)
        if hinted is not None:
            return min(hinted, policy.max_wait)
        return float(min(policy.backoff * 2 ** (state.attempt_number - 1), policy.max_wait))

    return wait


def with_retries(policy: RetryPolicy, what: str, call: Callable[[], R]) -> R:
    """`call()` under the policy; its last failure as a ModelError that starts with `what`."""
    attempts = 0
    try:
        for attempt in Retrying(
            stop=stop_after_attempt(policy.attempts),
            wait=backoff_wait(policy),
            retry=retry_if_exception(retryable),
            reraise=True,
        ):
            with attempt:
                attempts += 1
                take_retry_after()  # forget a Retry-After from an earlier call on this thread
                return call()
    except Exception as error:
        raise ModelError(
            f"{what} failed after {attempts} attempt(s): {describe(error)}",
            final=status_of(error) in FINAL_STATUSES,
            truncated=isinstance(error, TruncatedAnswer),
        ) from None
    raise AssertionError("unreachable: tenacity either returns or raises")


class UsageCounter(BaseCallbackHandler):
    """Requests and tokens of the LLM calls it is attached to (every structured-output try counts)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls = 0
        self.input_tokens = 0
        self.output_tokens = 0
        self.cut_off = 0  # answers the server ended at max_tokens (finish_reason "length")

    def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        tokens_in = tokens_out = 0
        cut_off = 0
        for generation in (g for gens in response.generations for g in gens):
            info = generation.generation_info or {}
            message = generation.message if isinstance(generation, ChatGeneration) else None
            metadata = message.response_metadata if message is not None else {}
            cut_off += (info.get("finish_reason") or metadata.get("finish_reason")) == "length"
            usage = message.usage_metadata if isinstance(message, AIMessage) else None
            if usage:
                tokens_in += usage.get("input_tokens", 0)
                tokens_out += usage.get("output_tokens", 0)
        if not (tokens_in or tokens_out):
            reported = (response.llm_output or {}).get("token_usage") or {}
            tokens_in, tokens_out = reported.get("prompt_tokens", 0), reported.get("completion_tokens", 0)
        with self._lock:
            self.calls += 1
            self.input_tokens += tokens_in
            self.output_tokens += tokens_out
            self.cut_off += cut_off

    def on_llm_error(self, error: BaseException, **kwargs: Any) -> None:
        with self._lock:
            self.calls += 1

    def usage(self, seconds: float, price: Price | None) -> RoleUsage:
        cost = price.cost(self.input_tokens, self.output_tokens) if price is not None else None
        return RoleUsage(
            calls=self.calls,
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            seconds=round(seconds, 3),
            cost=None if cost is None else round(cost, 6),
        )


_structured: dict[tuple[int, type[BaseModel]], Any] = {}
_structured_lock = threading.Lock()


# ChatNVIDIA warns that a model it has no record of (any local server's) "is not known to support structured
# output", and, on every call of a reasoning model, that it removed a <think> block. Every answer is validated
# against its schema here (`_coerce`), retried or failed clearly, and the report's method says so once: warnings
# printed per role and per call on the user's terminal say nothing they can act on.
QUIETED_WARNINGS = (
    r"Model '.*' is not known to support structured output",
    r"Reasoning content with <think> tags was detected in structured output mode",
)


def quiet_structured_output_warnings() -> None:
    """Idempotent: `filterwarnings` replaces an identical filter rather than adding another."""
    for message in QUIETED_WARNINGS:
        warnings.filterwarnings("ignore", message=message, category=UserWarning)


def _structured_runnable(model: Any, schema: type[BaseModel]) -> Any:
    """One structured-output runnable per (model, schema): built once, so its set-up warnings appear once."""
    key = (id(model), schema)
    with _structured_lock:
        quiet_structured_output_warnings()  # each call: a host app (or pytest) may have reset the filters
        if key not in _structured:
            _structured[key] = (model, model.with_structured_output(schema))
        return _structured[key][1]


_calling: dict[int, tuple[Any, threading.Lock]] = {}


def _one_call_at_a_time(model: Any) -> threading.Lock:
    """A lock per client object. Our own roles each get a client (`RoleModels.from_config`), so this only
    serialises a host's single model shared by every role: clients such as ChatNVIDIA keep a request's
    inputs on the object while sending it, and parallel reviewers would otherwise swap prompts."""
    with _structured_lock:
        if id(model) not in _calling:
            _calling[id(model)] = (model, threading.Lock())  # the model is kept, so its id is not reused
        return _calling[id(model)][1]


def _coerce(schema: type[T], result: Any) -> T:
    if result is None:
        raise UnusableAnswer("no answer in the requested JSON schema (empty, not JSON, or the wrong fields)")
    try:
        return result if isinstance(result, schema) else schema.model_validate(result)
    except ValidationError as error:
        raise UnusableAnswer(f"answer does not match the schema ({error.error_count()} error(s))") from None


def ask(role: str, target: RoleModel, schema: type[T], prompt: str, policy: RetryPolicy) -> tuple[T, RoleUsage]:
    """The role's answer to `prompt` as a `schema` object, and what it cost."""
    counter = UsageCounter()
    started = time.perf_counter()

    def call() -> T:
        runnable = _structured_runnable(target.model, schema)
        cut_before = counter.cut_off
        with _one_call_at_a_time(target.model):
            messages = [SystemMessage(system_message(role)), HumanMessage(prompt)]
            result = runnable.invoke(messages, config={"callbacks": [counter], "run_name": role})
        try:
            return _coerce(schema, result)
        except UnusableAnswer:
            if counter.cut_off > cut_before:
                raise TruncatedAnswer(
                    "the answer was cut off at the role's max_tokens (finish_reason length)"
                ) from None
            raise

    answer = with_retries(policy, f"the {role} model {target.label}", call)
    return answer, counter.usage(time.perf_counter() - started, target.price)
