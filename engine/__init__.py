"""The workflow runtime: the only package that imports SpiffWorkflow. No Flask here."""
from .actors import SYSTEM, Actor  # noqa: F401
from .errors import (  # noqa: F401
    DiagramError,
    EngineError,
    InstanceNotRunning,
    StaleForm,
    TaskAlreadyHandled,
    TaskNotFound,
    TaskTaken,
    WorkflowFailure,
)
from .runtime import Engine  # noqa: F401
