"""A tiny app for the exit test: launch the stand-in from a plan file, print the status, wait for a signal.

Usage: python tests/supervisor_app.py PORT RUNS_DIR
"""

from __future__ import annotations

import json
import sys
import threading

from backend.engine.exit_handlers import install_exit_handlers
from backend.engine.supervisor import Supervisor
from standin import standin_plan
from tests.helpers import READY_TIMEOUT_S, TEST_SETTINGS, sglang_plan


def main() -> None:
    plan = standin_plan(sglang_plan(int(sys.argv[1])), load_seconds=0.2, tpot_ms=1)
    supervisor = Supervisor(sys.argv[2], TEST_SETTINGS)
    install_exit_handlers(supervisor)
    supervisor.launch(plan)
    status = supervisor.wait_ready(READY_TIMEOUT_S)
    print(json.dumps({"phase": status.phase.value, "pid": status.pid}), flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
