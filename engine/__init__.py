"""The workflow runtime: the only package that imports SpiffWorkflow. No Flask here."""
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
from .runtime import SYSTEM, Actor, Engine  # noqa: F401
