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
