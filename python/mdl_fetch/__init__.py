"""mdl-fetch from Python: run the `mdl-fetch` command and get its tables as DataFrames.

The package installs the `mdl-fetch` command itself; this module is a thin wrapper that
runs it in a temporary folder (or `out=`) and reads back the CSV artifact asked for::

    import mdl_fetch
    df = mdl_fetch.table(project="sae-sweeps", offline=True)
    runs = mdl_fetch.table(exports={6: "layer6.csv"}, artifact="runs", frame="polars")

Keyword flags map to the command line: ``dict_size=24576`` is ``--dict-size 24576``,
``offline=True`` is ``--offline``, a list repeats the flag (``tolerance=[1e-4, 2e-4]``),
and ``False`` or ``None`` leaves the flag out.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence, Union

__all__ = ["ARTIFACTS", "MdlFetchError", "binary", "run", "table"]

#: The CSV artifacts `table` can read, by the name it takes.
ARTIFACTS = {
    "table": "mdl-table.csv",
    "runs": "runs.csv",
    "frontier": "frontier.csv",
}

PathLike = Union[str, "os.PathLike[str]"]


class MdlFetchError(RuntimeError):
    """The command failed: `returncode` is its exit code (see the README's exit codes)
    and `stderr` what it said."""

    def __init__(self, returncode: int, stderr: str, args: Sequence[str]):
        self.returncode = returncode
        self.stderr = stderr
        self.args_used = list(args)
        last = stderr.strip().splitlines()[-1] if stderr.strip() else "no message"
        super().__init__(f"mdl-fetch exited with code {returncode}: {last}")


def binary() -> str:
    """The `mdl-fetch` command: `$MDL_FETCH_BIN`, else the one installed beside this
    Python (the package's own), else the first on PATH."""
    named = os.environ.get("MDL_FETCH_BIN")
    if named:
        return named
    exe = "mdl-fetch.exe" if os.name == "nt" else "mdl-fetch"
    beside = Path(sysconfig.get_path("scripts")) / exe
    if beside.is_file():
        return str(beside)
    found = shutil.which("mdl-fetch")
    if found:
        return found
    raise FileNotFoundError(
        "no mdl-fetch command: install this package with pip, put mdl-fetch on PATH, "
        "or set MDL_FETCH_BIN"
    )


def run(*args: str, cwd: PathLike | None = None) -> subprocess.CompletedProcess:
    """Runs `mdl-fetch ARGS...`, capturing stdout and stderr as text; raises
    `MdlFetchError` when it exits non-zero."""
    command = [binary(), *args]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise MdlFetchError(done.returncode, done.stderr, command)
    return done


def table(
    project: str | Sequence[str] | None = None,
    exports: Mapping[Any, PathLike] | Iterable[PathLike] | PathLike | None = None,
    *,
    artifact: str = "table",
    frame: str | None = None,
    out: PathLike | None = None,
    cwd: PathLike | None = None,
    **flags: Any,
):
    """Runs mdl-fetch and returns one of its CSV artifacts as a DataFrame.

    project:  a W&B project (`NAME` or `ENTITY/NAME`), or several.
    exports:  W&B CSV exports to replay instead of fetching: `{layer: path}`, or paths
              (`"6=layer6.csv"` or a plain path whose runs name their layer).
    artifact: "table" (mdl-table.csv), "runs" (runs.csv) or "frontier" (frontier.csv).
    frame:    "pandas" or "polars"; by default pandas when installed, else polars.
    out:      keep every artifact in this folder; by default a temporary one, removed.
    cwd:      the folder to run in (where profiles and caches are found).
    flags:    any other command-line flag, by its long name with `_` for `-`.

    Messages the command prints on stderr (warnings about the data, notes) are passed on
    to this process's stderr; a failure raises `MdlFetchError`.
    """
    if artifact not in ARTIFACTS:
        raise ValueError(f"artifact must be one of {sorted(ARTIFACTS)}, not {artifact!r}")
    reader = _frame_reader(frame)
    with tempfile.TemporaryDirectory(prefix="mdl-fetch-") as scratch:
        here = Path(cwd) if cwd is not None else Path.cwd()
        folder = (here / out) if out is not None else Path(scratch) / "out"
        args = _arguments(project, exports, folder, flags)
        done = run(*args, cwd=cwd)
        if done.stderr:
            sys.stderr.write(done.stderr)
        return reader(folder / ARTIFACTS[artifact])


def _arguments(project, exports, folder: Path, flags: Mapping[str, Any]) -> list[str]:
    """The command line for `table`: its named inputs, the output folder, the flags, and
    `--quiet` (the table comes back as a DataFrame, not on stdout)."""
    args: list[str] = []
    for name in _as_list(project):
        args += ["--project", str(name)]
    export_args = [str(spec) for spec in _export_specs(exports)]
    if export_args:
        args += ["--export", *export_args]
    args += ["--out", os.fspath(folder), "--quiet"]
    for key, value in flags.items():
        args += _flag(key, value)
    return args


def _export_specs(exports) -> list[str]:
    if exports is None:
        return []
    if isinstance(exports, Mapping):
        return [f"{layer}={os.fspath(path)}" for layer, path in exports.items()]
    return [os.fspath(path) for path in _as_list(exports)]


def _flag(key: str, value: Any) -> list[str]:
    """One keyword as command-line words: `True` is a bare flag, `False`/`None` nothing,
    a list or tuple the flag once per item."""
    name = "--" + key.replace("_", "-")
    if value is None or value is False:
        return []
    if value is True:
        return [name]
    if isinstance(value, (list, tuple)):
        return [word for item in value for word in (name, _word(item))]
    return [name, _word(value)]


def _word(value: Any) -> str:
    return os.fspath(value) if isinstance(value, os.PathLike) else str(value)


def _as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, (str, bytes, os.PathLike)):
        return [value]
    return list(value)


def _frame_reader(frame: str | None):
    """A function reading a CSV file into the asked-for (or the installed) DataFrame kind.
    Text cells such as `NA` or `null` stay text: only empty cells are missing values."""
    kinds = [frame] if frame else ["pandas", "polars"]
    for kind in kinds:
        if kind == "pandas" and _importable("pandas"):
            import pandas

            return lambda path: pandas.read_csv(path, keep_default_na=False, na_values=[""])
        if kind == "polars" and _importable("polars"):
            import polars

            return lambda path: polars.read_csv(path, infer_schema_length=None)
        if kind not in ("pandas", "polars"):
            raise ValueError(f"frame must be 'pandas' or 'polars', not {kind!r}")
    wanted = frame or "pandas or polars"
    raise ImportError(f"mdl_fetch.table needs {wanted}: pip install 'mdl-fetch[pandas]'")


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None
