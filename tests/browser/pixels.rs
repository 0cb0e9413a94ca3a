//! Screenshot checks: decode a PNG and count pixels of a colour in a region,
//! so a blank, unstyled or broken page fails instead of passing silently.

use std::io::Cursor;

use crate::harness::Rect;

/// A decoded screenshot, 8-bit RGBA.
pub struct Image {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    rgba: Vec<u8>,
}

impl Image {
    /// Decodes a PNG (any colour type) into 8-bit RGBA.
    pub fn decode(png_bytes: &[u8]) -> Image {
        let mut decoder = png::Decoder::new(Cursor::new(png_bytes));
        decoder.set_transformations(png::Transformations::normalize_to_color8());
        let mut reader = decoder.read_info().expect("a PNG screenshot");
        let mut buffer = vec![0; reader.output_buffer_size().expect("a sane size")];
        let info = reader.next_frame(&mut buffer).expect("one frame");
        buffer.truncate(info.buffer_size());
        let rgba = match info.color_type {
            png::ColorType::Rgba => buffer,
            png::ColorType::Rgb => buffer
                .chunks_exact(3)
                .flat_map(|p| [p[0], p[1], p[2], 255])
                .collect(),
            png::ColorType::GrayscaleAlpha => buffer
                .chunks_exact(2)
                .flat_map(|p| [p[0], p[0], p[0], p[1]])
                .collect(),
            png::ColorType::Grayscale => buffer.iter().flat_map(|&g| [g, g, g, 255]).collect(),
            png::ColorType::Indexed => unreachable!("expanded by normalize_to_color8"),
        };
        Image {
            width: info.width,
            height: info.height,
            rgba,
        }
    }

    /// The `(r, g, b)` of one pixel.
    pub fn pixel(&self, x: u32, y: u32) -> (u8, u8, u8) {
        let i = 4 * (y as usize * self.width as usize + x as usize);
        (self.rgba[i], self.rgba[i + 1], self.rgba[i + 2])
    }

    /// Pixels inside `region` (clipped to the image) whose colour is within
    /// `tolerance` of `colour` on every channel.
    pub fn count_colour(&self, region: Rect, colour: (u8, u8, u8), tolerance: u8) -> usize {
        let near = |a: u8, b: u8| a.abs_diff(b) <= tolerance;
        let (x0, x1) = clip(region.x, region.width, self.width);
        let (y0, y1) = clip(region.y, region.height, self.height);
        (y0..y1)
            .flat_map(|y| (x0..x1).map(move |x| (x, y)))
            .filter(|&(x, y)| {
                let (r, g, b) = self.pixel(x, y);
                near(r, colour.0) && near(g, colour.1) && near(b, colour.2)
            })
            .count()
    }

    /// Pixels inside `region` that are not (near) white.
    pub fn count_ink(&self, region: Rect) -> usize {
        let (x0, x1) = clip(region.x, region.width, self.width);
        let (y0, y1) = clip(region.y, region.height, self.height);
        (y0..y1)
            .flat_map(|y| (x0..x1).map(move |x| (x, y)))
            .filter(|&(x, y)| {
                let (r, g, b) = self.pixel(x, y);
                r.min(g).min(b) < 200
            })
            .count()
    }

    /// How many distinct columns inside `region` hold at least one pixel of
    /// `colour`: separates "several bars" from "one blob".
    pub fn columns_with_colour(&self, region: Rect, colour: (u8, u8, u8), tolerance: u8) -> usize {
        let (x0, x1) = clip(region.x, region.width, self.width);
        let (y0, y1) = clip(region.y, region.height, self.height);
        (x0..x1)
            .filter(|&x| {
                (y0..y1).any(|y| {
                    let (r, g, b) = self.pixel(x, y);
                    r.abs_diff(colour.0) <= tolerance
                        && g.abs_diff(colour.1) <= tolerance
                        && b.abs_diff(colour.2) <= tolerance
                })
            })
            .count()
    }
}

fn clip(start: f64, length: f64, limit: u32) -> (u32, u32) {
    let from = start.max(0.0).floor() as u32;
    let to = (start + length).max(0.0).ceil() as u32;
    (from.min(limit), to.min(limit))
}

#[test]
fn counts_colours_in_a_region_of_a_png() {
    // A 4x2 RGB image: left half blue, right half white.
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, 4, 2);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().expect("header");
        let blue = [0x1f, 0x77, 0xb4];
        let white = [0xff, 0xff, 0xff];
        let row: Vec<u8> = [blue, blue, white, white].concat();
        writer
            .write_image_data(&[row.clone(), row].concat())
            .expect("data");
    }
    let image = Image::decode(&bytes);
    let all = Rect {
        x: 0.0,
        y: 0.0,
        width: 10.0,
        height: 10.0,
    };
    assert_eq!(image.count_colour(all, (0x1f, 0x77, 0xb4), 0), 4);
    assert_eq!(image.columns_with_colour(all, (0x20, 0x78, 0xb5), 2), 2);
    assert_eq!(image.count_ink(all), 4);
    let right = Rect { x: 2.0, ..all };
    assert_eq!(image.count_colour(right, (0x1f, 0x77, 0xb4), 0), 0);
}
