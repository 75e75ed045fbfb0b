"""The Python package, as installed by `pip install .` in a fresh venv: the command it
puts on PATH, and `mdl_fetch.table` returning the artifacts as pandas and polars frames.
Run by scripts/python_package.sh from the repository root."""

import csv
import os
import shutil
import subprocess
import sysconfig
import tempfile
import unittest
from pathlib import Path

import mdl_fetch

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "sae-sweeps"


def fixture_rows(layer):
    with open(FIXTURES / f"layer-{layer}.csv", newline="") as handle:
        return sum(1 for _ in csv.DictReader(handle))


class Command(unittest.TestCase):
    def test_pip_installs_the_command_beside_python(self):
        exe = Path(sysconfig.get_path("scripts")) / "mdl-fetch"
        self.assertTrue(exe.is_file(), f"{exe} missing")
        self.assertEqual(mdl_fetch.binary(), str(exe))
        done = subprocess.run([str(exe), "--version"], capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertTrue(done.stdout.startswith("mdl-fetch "), done.stdout)

    def test_the_command_prints_the_bundled_table(self):
        with tempfile.TemporaryDirectory() as out:
            done = mdl_fetch.run("--project", "sae-sweeps", "--offline", "--out", out, cwd=ROOT)
        lines = done.stdout.splitlines()
        self.assertTrue(lines[0].startswith("|   layer | activation"), done.stdout)
        self.assertEqual(len([l for l in lines if l.startswith("|       ")]), 9)


class Table(unittest.TestCase):
    def test_pandas_frame_of_the_bundled_table(self):
        df = mdl_fetch.table(project="sae-sweeps", offline=True, cwd=ROOT, frame="pandas")
        self.assertEqual(type(df).__module__.split(".")[0], "pandas")
        self.assertEqual(len(df), 9)
        self.assertEqual(sorted(set(df["layer"])), [6, 7, 8])
        row = df[(df["layer"] == 6) & (df["activation"] == "batchtopk")].iloc[0]
        self.assertAlmostEqual(row["MDL(tolerance)"], 63063.2, delta=0.05)
        self.assertAlmostEqual(row["tolerance"], 0.000559394, delta=5e-10)
        self.assertEqual(row["k"], 8192)

    def test_polars_frame_matches_pandas(self):
        pl = mdl_fetch.table(project="sae-sweeps", offline=True, cwd=ROOT, frame="polars")
        pd = mdl_fetch.table(project="sae-sweeps", offline=True, cwd=ROOT, frame="pandas")
        self.assertEqual(type(pl).__module__.split(".")[0], "polars")
        self.assertEqual(pl.columns, list(pd.columns))
        self.assertEqual(pl["MDL(tolerance)"].to_list(), pd["MDL(tolerance)"].tolist())

    def test_default_frame_is_an_installed_one(self):
        df = mdl_fetch.table(project="sae-sweeps", offline=True, cwd=ROOT)
        self.assertIn(type(df).__module__.split(".")[0], ("pandas", "polars"))

    def test_runs_artifact_has_every_exported_run(self):
        runs = mdl_fetch.table(project="sae-sweeps", offline=True, cwd=ROOT, artifact="runs", frame="pandas")
        self.assertEqual(len(runs), sum(fixture_rows(layer) for layer in (6, 7, 8)))

    def test_exports_by_layer_and_flags(self):
        exports = {6: FIXTURES / "layer-6.csv"}
        small = mdl_fetch.table(exports=exports, frame="pandas")
        large = mdl_fetch.table(exports=exports, frame="pandas", dict_size=24576, fixed_dict_size=True)
        self.assertEqual(sorted(small["activation"]), ["batchtopk", "topafa", "topk"])
        self.assertEqual(set(large["dict_size"]), {24576})
        self.assertTrue((large["MDL(tolerance)"].values > small["MDL(tolerance)"].values).all())

    def test_out_keeps_every_artifact(self):
        with tempfile.TemporaryDirectory() as folder:
            mdl_fetch.table(project="sae-sweeps", offline=True, cwd=ROOT, out=folder, frame="pandas")
            names = sorted(os.listdir(folder))
        self.assertIn("mdl-table.md", names)
        self.assertIn("manifest.json", names)

    def test_failure_raises_with_the_exit_code(self):
        with tempfile.TemporaryDirectory() as empty:
            with self.assertRaises(mdl_fetch.MdlFetchError) as caught:
                mdl_fetch.table(exports={6: Path(empty) / "missing.csv"}, frame="pandas")
        self.assertEqual(caught.exception.returncode, 3)
        self.assertIn("missing.csv", caught.exception.stderr)

    def test_unknown_artifact_is_refused_before_running(self):
        with self.assertRaises(ValueError):
            mdl_fetch.table(project="sae-sweeps", artifact="plot")


#: A sweep of one layer where runs lack metrics: "icy-pine-1" has no error, "icy-pine-2"
#: no L0 (and is still topafa's best run), "1e3" no dictionary size; two runs are named
#: like numbers.
LACKING = """"Name","l0_norm","l2_loss","sae_type","top_k","d_sae"
"nan","40","0.01","topk","64","12288"
"1e3","200","0.002","topk","256",""
"icy-pine-1","900","","topafa","","24576"
"icy-pine-2","","0.003","topafa","","24576"
"""

#: The flags that read LACKING, with one ε every group has a run within and one none has.
LACKING_FLAGS = dict(
    column=["activation=sae_type", "k=top_k", "dict_size=d_sae"],
    tolerance=[0.005, 1e-9],
)


class Dtypes(unittest.TestCase):
    """Every artifact's numeric columns are numbers in both kinds of frame, NaN where a
    value is missing, and names stay text."""

    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.TemporaryDirectory()
        cls.export = Path(cls.folder.name) / "lacking.csv"
        cls.export.write_text(LACKING)

    @classmethod
    def tearDownClass(cls):
        cls.folder.cleanup()

    def frames(self, artifact):
        """The artifact of LACKING as a pandas and a polars frame."""
        read = lambda frame: mdl_fetch.table(
            exports={6: self.export}, artifact=artifact, frame=frame, **LACKING_FLAGS
        )
        return read("pandas"), read("polars")

    def check(self, artifact, lacking):
        """Each column has its documented dtype in both frames, the columns are the file's,
        and each column in `lacking` has a missing value that `.max()` and `.mean()` pass over."""
        import polars

        pd, pl = self.frames(artifact)
        columns = mdl_fetch.COLUMNS[artifact]
        self.assertEqual(list(pd.columns), list(columns))
        self.assertEqual(pl.columns, list(columns))
        pandas_kinds = {"int": "int64", "float": "float64"}
        polars_kinds = {"int": polars.Int64, "float": polars.Float64, "str": polars.String}
        for name, kind in columns.items():
            if kind in pandas_kinds:
                self.assertEqual(str(pd[name].dtype), pandas_kinds[kind], f"{artifact} {name}")
            else:
                self.assertFalse(pd[name].dtype.kind in "iufc", f"{artifact} {name}: {pd[name].dtype}")
            self.assertEqual(pl.schema[name], polars_kinds[kind], f"{artifact} {name}")
        for name in lacking:
            self.assertTrue(pd[name].isna().any(), f"{artifact} {name}: {pd[name].tolist()}")
            self.assertTrue(pl[name].is_nan().any(), f"{artifact} {name}: {pl[name].to_list()}")
            self.assertIsInstance(pd[name].max(), float)
            self.assertIsInstance(pl[name].max(), float)
            self.assertEqual(pd[name].mean(), pd[name].dropna().mean())
            self.assertEqual(pl[name].is_nan().sum(), pd[name].isna().sum())
        self.assertEqual(pd.shape, pl.shape)
        return pd, pl

    def test_table(self):
        pd, _ = self.check("table", lacking=["l0", "MDL(tolerance)"])
        self.assertEqual(sorted(pd["run"]), ["1e3", "icy-pine-2"])

    def test_runs(self):
        pd, pl = self.check("runs", lacking=["l0", "error", "dict_size"])
        # runs.csv is in run order: by name for runs without an id.
        self.assertEqual(pd["name"].tolist(), ["1e3", "icy-pine-1", "icy-pine-2", "nan"])
        self.assertEqual(pl["name"].to_list(), ["1e3", "icy-pine-1", "icy-pine-2", "nan"])
        self.assertAlmostEqual(pd["error"].mean(), (0.01 + 0.002 + 0.003) / 3)
        self.assertEqual(pd["error"].max(), 0.01)

    def test_frontier(self):
        pd, _ = self.check("frontier", lacking=[])
        self.assertIn("nan", pd["run"].tolist())

    def test_tolerance(self):
        pd, pl = self.check("tolerance", lacking=["MDL(epsilon)", "error", "k", "l0", "dict_size"])
        self.assertEqual(pd["epsilon"].tolist(), [0.005, 1e-9, 0.005, 1e-9])
        within = pd[pd["MDL(epsilon)"].notna()]
        self.assertEqual(within[["activation", "run", "k"]].values.tolist(), [["topk", "1e3", 256.0]])
        self.assertEqual(pl["MDL(epsilon)"].is_nan().sum(), 3)

    def test_the_bundled_tables_of_every_artifact_read_alike(self):
        for artifact in ("table", "runs", "frontier", "tolerance"):
            kwargs = dict(project="sae-sweeps", offline=True, cwd=ROOT, artifact=artifact, tolerance=3e-3)
            pd = mdl_fetch.table(frame="pandas", **kwargs)
            pl = mdl_fetch.table(frame="polars", **kwargs)
            for name, kind in mdl_fetch.COLUMNS[artifact].items():
                if kind != "str":
                    same = [repr(value) for value in pl[name].to_list()]
                    self.assertEqual(same, [repr(value) for value in pd[name].tolist()], f"{artifact} {name}")

    def test_the_tolerance_artifact_needs_a_tolerance(self):
        with self.assertRaises(ValueError) as caught:
            mdl_fetch.table(project="sae-sweeps", offline=True, cwd=ROOT, artifact="tolerance")
        self.assertIn("tolerance=", str(caught.exception))


class Flags(unittest.TestCase):
    def test_keywords_become_flags(self):
        self.assertEqual(mdl_fetch._flag("dict_size", 24576), ["--dict-size", "24576"])
        self.assertEqual(mdl_fetch._flag("offline", True), ["--offline"])
        self.assertEqual(mdl_fetch._flag("offline", False), [])
        self.assertEqual(mdl_fetch._flag("tag", None), [])
        self.assertEqual(
            mdl_fetch._flag("tolerance", [1e-4, 2e-4]),
            ["--tolerance", "0.0001", "--tolerance", "0.0002"],
        )


if __name__ == "__main__":
    unittest.main()
