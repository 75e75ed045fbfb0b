//! The corpus inputs too big to commit (10 MB names, 100,000 columns, 2M quotes, ...),
//! written once per test run into a temp folder that every case shares (`{gen}`).

use std::path::Path;
use std::sync::OnceLock;

/// Writes the inputs too big to commit, once per test run (shared by every case).
pub fn dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let put = |name: &str, bytes: Vec<u8>| std::fs::write(dir.path().join(name), bytes).unwrap();
        let header = "\"Name\",\"l0_norm\",\"l2_loss\"\n";
        let ten_mb = "a".repeat(10_000_000);
        put(
            "ten-mb-name.csv",
            format!("{header}\"{ten_mb}_topk_32_0\",\"1\",\"0.5\"\n").into_bytes(),
        );
        put(
            "ten-mb-ignored-field.csv",
            format!("\"x\",{header}\"{ten_mb}\",\"a_topk_32_0\",\"1\",\"0.5\"\n").into_bytes(),
        );
        put(
            "ten-mb-unclosed-quote.csv",
            format!("{header}\"{ten_mb}").into_bytes(),
        );
        put(
            "twenty-mb-unclosed-quote.csv",
            format!("{header}\"{}", "bbbbbbbbbbbbbbbbbbb\n".repeat(1_000_000)).into_bytes(),
        );
        let mut wide = String::new();
        for i in 0..99_997 {
            wide.push_str(&format!("\"c{i}\","));
        }
        wide.push_str(header);
        wide.push_str(&"\"\",".repeat(99_997));
        wide.push_str("\"a_topk_32_0\",\"1\",\"0.5\"\n");
        put("hundred-thousand-columns.csv", wide.into_bytes());
        put("two-million-commas.csv", ",".repeat(2_000_000).into_bytes());
        let underscores = "_".repeat(10_000);
        put(
            "ten-k-underscores.csv",
            format!("{header}\"{underscores}\",\"1\",\"0.5\"\n").into_bytes(),
        );
        put(
            "ten-k-underscores-then-a-name.csv",
            format!("{header}\"{underscores}topk_32_0\",\"1\",\"0.5\"\n").into_bytes(),
        );
        // A field of 2M quote characters after the one that opens it: all escaped quotes, so
        // the field never closes.
        put(
            "deep-quotes.csv",
            format!("{header}\"{}", "\"".repeat(2_000_000)).into_bytes(),
        );
        put(
            "million-blank-lines.csv",
            format!(
                "{header}{}\"a_topk_32_0\",\"1\",\"0.5\"\n",
                "\n".repeat(1_000_000)
            )
            .into_bytes(),
        );
        let mut many = String::from(header);
        for i in 0..100_000 {
            let activation = ["topk", "relu", "topafa"][i % 3];
            many.push_str(&format!(
                "\"run{i}_{activation}_{}_0\",\"{}\",\"{}\"\n",
                i % 64,
                i % 97,
                1.0 / (i + 1) as f64
            ));
        }
        put("hundred-thousand-runs.csv", many.into_bytes());
        put(
            "catastrophic.csv",
            format!(
                "{header}\"{}!\",\"1\",\"0.5\"\n\"aaa_32\",\"2\",\"0.25\"\n",
                "a".repeat(100_000)
            )
            .into_bytes(),
        );
        put(
            "layer-overflow.csv",
            format!("{header}\"99999999999999999999_topk_32_0\",\"1\",\"0.5\"\n").into_bytes(),
        );
        put(
            "deep-nesting.toml",
            format!("layers = {}{}\n", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
        );
        dir
    })
    .path()
}
