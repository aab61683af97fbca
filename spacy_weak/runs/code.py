"""``--code``: import a Python file that registers functions or factories (as ``spacy train --code``)."""
import traceback
from pathlib import Path
from typing import Any, Dict, Optional

from ..errors import Errors, SpacyWeakError


def import_code(path: Optional[Path]) -> None:
    """Import ``path`` (nothing for None): ``E256`` when it is missing, ``E278`` naming the
    file and line when importing it fails."""
    if path is None:
        return
    path = Path(path)
    if not path.is_file():
        raise SpacyWeakError(Errors.E256.format(path=path))
    from spacy.util import import_file

    try:
        import_file("spacy_weak_user_code", path)
    except SpacyWeakError:
        raise
    except Exception as err:  # noqa: BLE001 - the user's code: any error is theirs to fix, with its place
        raise SpacyWeakError(Errors.E278.format(path=path, **_code_error_place(err, path))) from None


def _code_error_place(err: BaseException, path: Path) -> Dict[str, Any]:
    """Line and message of an error raised while importing the user's ``--code`` file."""
    line = getattr(err, "lineno", None) if isinstance(err, SyntaxError) else None
    where = Path(getattr(err, "filename", None) or path)
    if line is None:
        target = str(Path(path).resolve())
        frames = [f for f in traceback.extract_tb(err.__traceback__) if str(Path(f.filename).resolve()) == target]
        if frames:
            line, where = frames[-1].lineno, path
        else:
            tb = traceback.extract_tb(err.__traceback__)
            if tb:
                line, where = tb[-1].lineno, Path(tb[-1].filename)
    message = err.msg if isinstance(err, SyntaxError) else str(err)
    return {"file": where, "line": line if line is not None else "?", "type": type(err).__name__, "err": message}
