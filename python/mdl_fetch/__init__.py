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

__all__ = ["ARTIFACTS", "COLUMNS", "MdlFetchError", "binary", "run", "table"]

#: The CSV artifacts `table` can read, by the name it takes.
ARTIFACTS = {
    "table": "mdl-table.csv",
    "runs": "runs.csv",
    "frontier": "frontier.csv",
    "tolerance": "mdl-tolerance.csv",
}

#: Which run a row shows: the columns every artifact ends with, all text.
_IDENTITY = {name: "str" for name in ("entity", "project", "run_id", "state", "url")}

#: Each artifact's known columns and how they are read: "int" (never empty), "float"
#: (NaN where the cell is empty or `nan`: a run without that metric, no run within ε) or
#: "str" (names stay text even when they look like numbers: a run named `nan` or `1e3`).
COLUMNS = {
    "table": {
        "layer": "int", "activation": "str", "tolerance": "float", "MDL(tolerance)": "float",
        "run": "str", "k": "int", "l0": "float", "dict_size": "int", "bits": "float",
        "code": "str", "dense_bits": "float", **_IDENTITY,
    },
    "runs": {
        "file": "str", "line": "int", "name": "str", "layer": "int", "activation": "str",
        "k": "int", "l0": "float", "error": "float", "dict_size": "float", **_IDENTITY,
    },
    "frontier": {
        "layer": "int", "activation": "str", "error": "float", "dl_bits": "float", "run": "str",
        "k": "int", "l0": "float", "dict_size": "int", "code": "str", **_IDENTITY,
    },
    "tolerance": {
        "layer": "int", "activation": "str", "epsilon": "float", "MDL(epsilon)": "float",
        "error": "float", "run": "str", "k": "float", "l0": "float", "dict_size": "float",
        "code": "str", **_IDENTITY,
    },
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
    artifact: "table" (mdl-table.csv), "runs" (runs.csv), "frontier" (frontier.csv) or
              "tolerance" (mdl-tolerance.csv: MDL at each ε, which needs `tolerance=`).
    frame:    "pandas" or "polars"; by default pandas when installed, else polars.
    out:      keep every artifact in this folder; by default a temporary one, removed.
    cwd:      the folder to run in (where profiles and caches are found).
    flags:    any other command-line flag, by its long name with `_` for `-`.

    Numeric columns are int64 or float64 (NaN for a missing value), in pandas and polars
    alike; names and other text are strings (see `COLUMNS`).

    Messages the command prints on stderr (warnings about the data, notes) are passed on
    to this process's stderr; a failure raises `MdlFetchError`.
    """
    if artifact not in ARTIFACTS:
        raise ValueError(f"artifact must be one of {sorted(ARTIFACTS)}, not {artifact!r}")
    if artifact == "tolerance" and not _flag("tolerance", flags.get("tolerance")):
        raise ValueError(
            'artifact="tolerance" is MDL at each ε: pass tolerance=EPS (or a list of them)'
        )
    reader = _frame_reader(frame)
    with tempfile.TemporaryDirectory(prefix="mdl-fetch-") as scratch:
        here = Path(cwd) if cwd is not None else Path.cwd()
        folder = (here / out) if out is not None else Path(scratch) / "out"
        args = _arguments(project, exports, folder, flags)
        done = run(*args, cwd=cwd)
        if done.stderr:
            sys.stderr.write(done.stderr)
        return reader(folder / ARTIFACTS[artifact], COLUMNS[artifact])


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
    """A function reading a CSV artifact, given its known columns, into the asked-for (or
    the installed) DataFrame kind."""
    kinds = [frame] if frame else ["pandas", "polars"]
    for kind in kinds:
        if kind == "pandas" and _importable("pandas"):
            return _read_pandas
        if kind == "polars" and _importable("polars"):
            return _read_polars
        if kind not in ("pandas", "polars"):
            raise ValueError(f"frame must be 'pandas' or 'polars', not {kind!r}")
    wanted = frame or "pandas or polars"
    raise ImportError(f"mdl_fetch.table needs {wanted}: pip install 'mdl-fetch[pandas]'")


def _header(path: Path) -> list[str]:
    import csv

    with open(path, newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle), [])


def _kinds(path: Path, columns: Mapping[str, str]) -> dict[str, str]:
    """The kind of each of the file's columns; a column this module does not know is text."""
    return {name: columns.get(name, "str") for name in _header(path)}


def _read_pandas(path: Path, columns: Mapping[str, str]):
    """Text cells such as `NA` or `null` stay text: an empty cell is a missing value, and
    so is `nan` in a float column (how the artifacts write a missing metric)."""
    import pandas

    kinds = _kinds(path, columns)
    dtypes = {"int": "int64", "float": "float64", "str": str}
    missing = {"int": [], "float": ["", "nan"], "str": [""]}
    return pandas.read_csv(
        path,
        dtype={name: dtypes[kind] for name, kind in kinds.items()},
        keep_default_na=False,
        na_values={name: missing[kind] for name, kind in kinds.items()},
    )


def _read_polars(path: Path, columns: Mapping[str, str]):
    """As `_read_pandas`: empty cells of float columns are NaN (polars reads them as
    null), and empty text cells null."""
    import polars

    kinds = _kinds(path, columns)
    dtypes = {"int": polars.Int64, "float": polars.Float64, "str": polars.String}
    frame = polars.read_csv(
        path,
        schema_overrides={name: dtypes[kind] for name, kind in kinds.items()},
        infer_schema_length=0,
    )
    nan = float("nan")
    floats = [polars.col(name).fill_null(nan) for name, kind in kinds.items() if kind == "float"]
    return frame.with_columns(floats)


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None
