"""Parse, validate and cache the diagrams by content version.

A *version* is the SHA-256 of every diagram file in ``bpmn/`` (names and contents). Parsing costs
far more than restoring an instance's state, so parsed specs are cached per version for the life of
the process; instances record the version they started with and are always restored with it.
"""
from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask as UserTaskMixin
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser

from .errors import DiagramError

TOWN_LANE = "town"


@dataclass(frozen=True)
class UserTaskInfo:
    """What the web layer needs to know about a user task without loading a workflow."""

    bpmn_id: str
    title: str
    lane: str
    form_key: str


@dataclass
class LoadedSpecs:
    """All processes of one diagram version, parsed once."""

    version: str
    files: dict[str, str]
    processes: dict[str, tuple] = field(default_factory=dict)  # process id -> (spec, subprocess specs)
    user_tasks: dict[str, UserTaskInfo] = field(default_factory=dict)
    timer_events: dict[str, str] = field(default_factory=dict)  # timer event id -> its name in the diagram

    def process(self, process_id: str):
        try:
            return self.processes[process_id]
        except KeyError:
            raise DiagramError(f"流程图版本 {self.version[:12]} 中没有流程 “{process_id}”。") from None


_cache: dict[str, LoadedSpecs] = {}
_cache_lock = threading.Lock()


def content_version(files: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update(files[name].encode())
        digest.update(b"\0")
    return digest.hexdigest()


def read_directory(path: str | Path) -> dict[str, str]:
    """The diagram files of a directory, by file name."""
    directory = Path(path)
    files = {p.name: p.read_text(encoding="utf-8") for p in sorted(directory.iterdir())
             if p.suffix in (".bpmn", ".dmn")}
    if not files:
        raise DiagramError(f"目录 {directory} 中没有流程图文件（.bpmn / .dmn）。")
    return files


def load(files: dict[str, str], departments: set[str] | None = None,
         form_keys: set[str] | None = None) -> LoadedSpecs:
    """Parse (or fetch from the cache) one version of the diagrams.

    ``departments`` and ``form_keys`` enable the project's conventions check; they are given when the
    current diagrams are loaded at start-up and left out when an old stored version is restored.
    """
    version = content_version(files)
    with _cache_lock:
        cached = _cache.get(version)
    if cached is None:
        cached = _parse(version, files)
        with _cache_lock:
            _cache[version] = cached
    if departments is not None or form_keys is not None:
        check_conventions(cached, departments, form_keys)
    return cached


def _parse(version: str, files: dict[str, str]) -> LoadedSpecs:
    parser = CamundaParser(validator=BpmnValidator())
    for name, text in files.items():
        try:
            if name.endswith(".dmn"):
                parser.add_dmn_str(text.encode("utf-8"), filename=name)
            else:
                parser.add_bpmn_str(text.encode("utf-8"), filename=name)
        except ValidationException as exc:
            raise DiagramError(_describe(exc, name)) from exc
        except etree.XMLSyntaxError as exc:
            raise DiagramError(f"{name}: XML 格式错误：{exc}") from exc

    loaded = LoadedSpecs(version=version, files=dict(files))
    for process_id in parser.get_process_ids():
        process_parser = parser.get_process_parser(process_id)
        if not process_parser.process_executable:
            continue
        try:
            spec = parser.get_spec(process_id)
            subprocess_specs = parser.get_subprocess_specs(process_id)
        except ValidationException as exc:
            raise DiagramError(_describe(exc, process_parser.filename)) from exc
        loaded.processes[process_id] = (spec, subprocess_specs)
        for proc in [spec, *subprocess_specs.values()]:
            for task_spec in proc.task_specs.values():
                if isinstance(task_spec, UserTaskMixin):
                    loaded.user_tasks[task_spec.name] = UserTaskInfo(
                        bpmn_id=task_spec.name,
                        title=task_spec.bpmn_name or task_spec.name,
                        lane=task_spec.lane or "",
                        form_key=getattr(getattr(task_spec, "form", None), "key", "") or "",
                    )
                elif isinstance(task_spec, CatchingEvent) and isinstance(task_spec.event_definition,
                                                                         TimerEventDefinition):
                    loaded.timer_events[task_spec.name] = task_spec.bpmn_name or task_spec.name
    if not loaded.processes:
        raise DiagramError("流程图中没有可执行的流程（isExecutable=\"true\"）。")
    return loaded


def check_conventions(loaded: LoadedSpecs, departments: set[str] | None, form_keys: set[str] | None) -> None:
    """Each user task sits in a department lane (or ``town``) and names a form key we have."""
    problems = []
    for info in loaded.user_tasks.values():
        where = f"{_file_of(loaded, info.bpmn_id)}: 用户任务 “{info.title}”（{info.bpmn_id}）"
        if not info.lane:
            problems.append(f"{where} 不在任何泳道中")
        elif departments is not None and info.lane != TOWN_LANE and info.lane not in departments:
            problems.append(f"{where} 所在泳道 “{info.lane}” 不是部门代码，也不是 town")
        if not info.form_key:
            problems.append(f"{where} 没有表单键（camunda:formKey）")
        elif form_keys is not None and info.form_key not in form_keys:
            problems.append(f"{where} 的表单键 “{info.form_key}” 没有对应的表单")
    if problems:
        raise DiagramError("流程图不符合约定：\n" + "\n".join(problems))


def _file_of(loaded: LoadedSpecs, bpmn_id: str) -> str:
    needle = f'id="{bpmn_id}"'
    for name, text in loaded.files.items():
        if needle in text:
            return name
    return "?"


def _describe(exc: ValidationException, file_name: str | None) -> str:
    where = exc.file_name or file_name or "?"
    element = f" 元素 {exc.tag} “{exc.id or exc.name}”" if getattr(exc, "tag", "") else ""
    line = f" 第 {exc.line_number} 行" if getattr(exc, "line_number", "") else ""
    return f"{where}{line}{element}：{exc}"
