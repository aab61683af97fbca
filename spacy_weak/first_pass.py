"""The first pass of a project written by ``spacy-weak init``: the steps of its
``project.yml`` up to the report, run exactly as ``spacy project run`` runs them.

Every step runs its own script lines from ``project.yml`` (variables substituted by
weasel, ``python`` replaced by this interpreter, the project folder as working
directory), so its outputs are those of the project's commands; after each step
weasel's lock entry (the script, and the checksums of deps and outputs) is written
to ``project.lock``. A later ``spacy project run all`` then skips every step the first
pass did, as long as nothing changed, and runs only ``train``.

The steps' output is captured; their warnings (``warning: [W...]`` lines) are
returned so the caller can show them in order, with its own summary.
"""
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Sequence

from .errors import Errors, SpacyWeakError

FIRST_PASS_STEPS = ("convert", "annotate", "fit", "silver", "analyze")


def _command_line(line: str) -> List[str]:
    from weasel.util import split_command

    command = split_command(line)
    if command and command[0] in ("python", "python3"):  # as weasel's run_commands
        command[0] = sys.executable
    return command


def run_project_steps(project_dir: Path, steps: Sequence[str] = FIRST_PASS_STEPS) -> Dict:
    """Run ``steps`` of ``project_dir/project.yml`` as ``spacy project run`` would and
    record each in ``project.lock``. Returns ``{"steps": [...], "warnings": [...],
    "output": {step: captured text}}``. A failing step raises ``[E700]`` with the end of
    its output; the steps before it stay recorded."""
    from weasel.cli.run import update_lockfile
    from weasel.util import load_project_config

    project_dir = Path(project_dir).resolve()
    config = load_project_config(project_dir)
    commands = {cmd["name"]: cmd for cmd in config.get("commands", [])}
    warnings: List[str] = []
    output: Dict[str, str] = {}
    for step in steps:
        cmd = commands[step]
        text = []
        for line in cmd.get("script", []):
            proc = subprocess.run(_command_line(line), cwd=project_dir, capture_output=True, text=True)
            text.append(proc.stdout + proc.stderr)
            warnings.extend(w for w in proc.stderr.splitlines() if w.startswith("warning: "))
            if proc.returncode != 0:
                tail = " | ".join((proc.stderr.strip() or proc.stdout.strip()).splitlines()[-3:])
                raise SpacyWeakError(Errors.E700.format(step=step, code=proc.returncode, command=line, tail=tail,
                                                        path=project_dir))
        output[step] = "".join(text)
        update_lockfile(project_dir, cmd)
    return {"steps": list(steps), "warnings": warnings, "output": output}
