//! `mdl-fetch dl`: one description length from L0, B and D, in the code asked for.

use crate::config::cli::DlArgs;
use crate::error::{fail, Kind};
use crate::model::mdl;

/// `mdl-fetch dl`: one description length, as the notebook's sanity check prints it, in
/// the code asked for.
pub fn print(args: &DlArgs) -> anyhow::Result<()> {
    if !mdl::is_dict_size(args.dict_size.into()) {
        return fail(Kind::Usage, "--dict-size must be at least 1");
    }
    if !(args.bits.is_finite() && args.bits >= 0.0) {
        return fail(
            Kind::Usage,
            format!("--bits {}: B must be a finite number >= 0", args.bits),
        );
    }
    if !(args.l0.is_finite() && args.l0 >= 0.0) {
        return fail(
            Kind::Usage,
            format!("--l0 {}: L0 must be a finite number >= 0", args.l0),
        );
    }
    if args.code == mdl::Code::Binomial && args.l0 > args.dict_size as f64 {
        return fail(
            Kind::Usage,
            format!(
                "--l0 {} is more than --dict-size {}: the binomial code chooses L0 of D features",
                args.l0, args.dict_size
            ),
        );
    }
    let bits = args.code.bits(args.l0, args.bits, args.dict_size);
    println!("{bits:.2} bits");
    Ok(())
}
