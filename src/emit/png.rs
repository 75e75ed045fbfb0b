//! `frontier.png` (`--png`): frontier.svg rasterized at twice its size, with a font built
//! into the binary, so it looks the same on a machine without system fonts. The rasterizer
//! is the `png` feature (in the default build); a build without it refuses `--png`.

#[cfg(feature = "png")]
use std::sync::Arc;

#[cfg(feature = "png")]
use resvg::{tiny_skia, usvg};

use crate::error::{fail, Kind};

pub const FILE_NAME: &str = "frontier.png";

/// Pixels per SVG unit: twice the screen size, sharp in a paper or on a high-density screen.
pub const SCALE: f32 = 2.0;

/// The family frontier.svg asks for (`sans-serif`) and the one the built-in font has.
#[cfg(feature = "png")]
const FAMILY: &str = "DejaVu Sans";

/// A build without the `png` feature: `--png` is refused, naming the way to get it.
#[cfg(not(feature = "png"))]
pub fn rasterize(_svg: &str) -> anyhow::Result<Vec<u8>> {
    fail(
        Kind::Usage,
        "--png: this mdl-fetch was built without PNG support; build it with the default features (the `png` feature), or use frontier.svg",
    )
}

/// The PNG bytes of `svg`, deterministic for a given SVG text.
#[cfg(feature = "png")]
pub fn rasterize(svg: &str) -> anyhow::Result<Vec<u8>> {
    let mut options = usvg::Options {
        font_family: FAMILY.into(),
        ..usvg::Options::default()
    };
    let fonts = options.fontdb_mut();
    fonts.load_font_source(usvg::fontdb::Source::Binary(Arc::new(dejavu::sans::regular())));
    fonts.set_sans_serif_family(FAMILY);
    let tree = match usvg::Tree::from_str(svg, &options) {
        Ok(tree) => tree,
        Err(e) => {
            return fail(
                Kind::Output,
                format!("{FILE_NAME}: cannot read frontier.svg: {e}"),
            )
        }
    };
    let size = tree.size().to_int_size().scale_by(SCALE);
    let Some(mut pixmap) = size.and_then(|size| tiny_skia::Pixmap::new(size.width(), size.height())) else {
        return fail(Kind::Output, format!("{FILE_NAME}: the plot has no area to draw"));
    };
    pixmap.fill(tiny_skia::Color::WHITE);
    let transform = tiny_skia::Transform::from_scale(SCALE, SCALE);
    resvg::render(&tree, transform, &mut pixmap.as_mut());
    match pixmap.encode_png() {
        Ok(bytes) => Ok(bytes),
        Err(e) => fail(Kind::Output, format!("{FILE_NAME}: cannot encode the image: {e}")),
    }
}

#[cfg(all(test, feature = "png"))]
mod tests {
    use super::*;

    const SQUARE: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30">
<rect x="0" y="0" width="40" height="30" fill="#FFFFFF"/>
<text x="2" y="20" font-family="sans-serif" font-size="14" fill="#000000">ε 1e-3</text>
</svg>"##;

    #[test]
    fn an_svg_becomes_a_png_twice_its_size_with_the_text_drawn() {
        let png = rasterize(SQUARE).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let pixmap = tiny_skia::Pixmap::decode_png(&png).unwrap();
        assert_eq!((pixmap.width(), pixmap.height()), (80, 60));
        // The built-in font drew the text: some pixels are dark.
        let dark = pixmap.pixels().iter().filter(|p| p.red() < 128).count();
        assert!(dark > 50, "{dark} dark pixels: the text was not drawn");
        assert_eq!(
            rasterize(SQUARE).unwrap(),
            png,
            "the same SVG gives the same bytes"
        );
    }

    #[test]
    fn text_that_is_not_svg_is_an_output_error() {
        let error = rasterize("not an svg").unwrap_err();
        assert!(error.to_string().contains("frontier.png"), "{error}");
    }
}
