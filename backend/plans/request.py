"""What a plan is asked for (PlanRequest) and what it answers (LaunchPlan, with its alternatives)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

from backend.families import DEFAULT_FAMILY
from backend.hardware import DetectedGpu
from backend.plans import commands
from backend.plans.gpu_budget import MemoryBudget

WEIGHT_QUANTIZATIONS = ("none", "fp8")  # none: the checkpoint as published (bf16, or an -AWQ model's 4 bit)
KV_CACHE_DTYPES = ("auto", "fp8_e4m3")  # auto: the model dtype (bf16)


@dataclass(frozen=True)
class PlanRequest:
    """What the user asked for."""

    model: str = "7B"  # 3B/7B/32B/72B, a Hugging Face id, or a local folder
    hardware: str = "auto"  # a catalog GPU name (case-insensitive) or "auto" (this host's GPUs)
    # a count ("4"), indices as text ("0,2"; one GPU "1,") or as ints ((1,), (0, 2)); None: the fewest that fit
    gpus: str | tuple[int, ...] | None = None
    engine: str = "sglang"
    context_length: int | None = None  # None: the model's full length
    engine_args: str = ""  # extra engine flags, one shell-quoted string
    tp: int | None = None  # force a tensor-parallel size (refused when invalid)
    nodes: int = 1  # >1: one tensor-parallel server spanning nodes (SGLang only)
    dist_init_addr: str | None = None  # "host:port" of node 0, needed when nodes > 1
    router: str = "builtin"  # data-parallel front: SGLang's own --dp-size, or sglang-router
    host: str = "127.0.0.1"
    port: int | None = None  # None: a free port
    api_key: str | None = None  # None: a random one
    served_model_name: str | None = None
    detected: tuple[DetectedGpu, ...] | None = None  # for hardware="auto": None detects now
    quantization: str = "none"  # WEIGHT_QUANTIZATIONS: "fp8" quantizes a 16-bit checkpoint at load
    kv_cache_dtype: str = "auto"  # KV_CACHE_DTYPES: "fp8_e4m3" stores the KV cache in one byte per element


def for_another_machine(request: PlanRequest) -> PlanRequest:
    """The request for a command run on a GPU host that the app attaches to from another machine: a loopback
    --host becomes every interface (an address the user gave is kept)."""
    return replace(request, host=commands.ANY_INTERFACE) if request.host in commands.LOOPBACK_ADDRESSES else request


@dataclass(frozen=True)
class LaunchPlan:
    """A launch command with its environment and the reasons for its numbers (or a refusal)."""

    engine: str
    model: str
    served_model_name: str
    argv: tuple[str, ...]
    env: dict[str, str]
    host: str
    port: int
    api_key: str
    tp: int
    dp: int
    context_length: int
    gpu_ids: tuple[int, ...]
    explanation: tuple[str, ...]
    refusal: str  # why nothing can run ("" for a plan that fits): the one fact `fits` reads
    family: str = DEFAULT_FAMILY.name
    hardware: str = ""
    node_argvs: tuple[tuple[str, ...], ...] = ()
    memory: MemoryBudget | None = None
    alternative: LaunchPlan | None = None
    quantized: QuantizedOffer | None = None  # a quantized way that fits where this one does not (or fits better)
    quantization: str = "none"  # the request's weight quantization
    kv_cache_dtype: str = "auto"

    @property
    def base_url(self) -> str:
        """Server root, without /v1."""
        return f"http://{self.host}:{self.port}"

    def shell_line(self) -> str:
        """Copy-paste shell line: environment assignments and the command."""
        return commands.shell_line(self.env, self.argv)

    @property
    def exposure_note(self) -> str:
        """A shell comment on what listening on every interface exposes ('' for any other address)."""
        return commands.any_interface_note(self.port) if self.host == commands.ANY_INTERFACE else ""

    def copy_paste(self) -> str:
        """The command to paste on the GPU host: `python3 -m ...`, one flag per line (after the exposure note)."""
        return "\n".join(filter(None, [self.exposure_note, commands.portable_command(self.env, self.argv)]))

    def node_shell_lines(self) -> tuple[str, ...]:
        """One shell line per node for a multi-node plan (empty otherwise)."""
        return tuple(commands.shell_line(self.env, argv) for argv in self.node_argvs)

    def python_snippet(self) -> str:
        """A short openai-client program for this server."""
        return commands.python_snippet(self.base_url, self.api_key, self.served_model_name)

    def on_port(self, port: int) -> LaunchPlan:
        """The same plan serving on another port."""
        return replace(self, port=port, argv=commands.argv_with_port(tuple(self.argv), port))

    @property
    def fits(self) -> bool:
        """True when the plan can run (it has no refusal)."""
        return not self.refusal

    def to_dict(self) -> dict:
        """JSON-ready fields (memory as numbers, the alternative nested)."""
        data = {"fits": self.fits, **asdict(replace(self, alternative=None, quantized=None))}
        data["base_url"] = self.base_url
        data["alternative"] = self.alternative.to_dict() if self.alternative else None
        data["quantized"] = self.quantized.to_dict() if self.quantized else None
        return data


@dataclass(frozen=True)
class QuantizedOffer:
    """The quantized plan the planner suggests, and the request fields that make it (for a one-click switch)."""

    text: str  # "72B in bf16 does not fit on 1 x H100 80 GB; 72B-AWQ fits with the full 128k context (...)"
    changes: dict[str, str] = field(default_factory=dict)  # e.g. {"model": "72B-AWQ"} or {"quantization": "fp8"}
    request: PlanRequest | None = None  # the asked request with those changes applied
    plan: LaunchPlan | None = None  # make_plan(request): fits

    def to_dict(self) -> dict:
        """JSON-ready: the text, the changed fields and the plan (the request is those changes applied)."""
        return {"text": self.text, "changes": dict(self.changes), "plan": self.plan.to_dict() if self.plan else None}
