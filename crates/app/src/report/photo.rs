//! Photos of reports: the type is read from the content, never from the name; the picture is
//! decoded and encoded again as JPEG, which drops every metadata block (GPS position, device,
//! dates) by construction; a thumbnail is made. Files live under the data folder.

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};
use std::io::Cursor;
use std::path::{Path, PathBuf};

pub const MAX_PIXELS: u64 = 40_000_000;
pub const THUMB: u32 = 320;
pub const MAX_SIDE: u32 = 2048;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PhotoError {
    #[error("le fichier dépasse la taille permise ({0} Mo)")]
    TooLarge(usize),
    #[error("le fichier n'est pas une image JPEG, PNG ou WebP")]
    NotAnImage,
    #[error("l'image est illisible ou trop grande")]
    Unreadable,
    #[error("le fichier est vide")]
    Empty,
}

/// A processed photo: the cleaned JPEG, its thumbnail and its size.
pub struct Processed {
    pub full: Vec<u8>,
    pub thumbnail: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Checks and cleans an uploaded picture.
pub fn process(bytes: &[u8], max_bytes: usize) -> Result<Processed, PhotoError> {
    if bytes.is_empty() {
        return Err(PhotoError::Empty);
    }
    if bytes.len() > max_bytes {
        return Err(PhotoError::TooLarge(max_bytes / (1024 * 1024)));
    }
    let format = image::guess_format(bytes).map_err(|_| PhotoError::NotAnImage)?;
    if !matches!(format, ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP) {
        return Err(PhotoError::NotAnImage);
    }
    let reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut decoder = reader.into_decoder().map_err(|_| PhotoError::Unreadable)?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(PhotoError::Unreadable);
    }
    // Keep the picture upright once the EXIF orientation is gone.
    let orientation = decoder.orientation().ok();
    let mut img = DynamicImage::from_decoder(decoder).map_err(|_| PhotoError::Unreadable)?;
    if let Some(o) = orientation {
        img.apply_orientation(o);
    }
    if img.width() > MAX_SIDE || img.height() > MAX_SIDE {
        img = img.resize(MAX_SIDE, MAX_SIDE, image::imageops::FilterType::Triangle);
    }
    let img = DynamicImage::ImageRgb8(img.to_rgb8());
    let thumb = img.thumbnail(THUMB, THUMB);
    Ok(Processed { full: jpeg(&img)?, thumbnail: jpeg(&thumb)?, width: img.width(), height: img.height() })
}

fn jpeg(img: &DynamicImage) -> Result<Vec<u8>, PhotoError> {
    let mut out = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85);
    img.write_with_encoder(enc).map_err(|_| PhotoError::Unreadable)?;
    Ok(out)
}

/// Where photos are kept.
pub fn folder(data_dir: &Path) -> PathBuf {
    data_dir.join("photos")
}

/// A stored file name is ours (letters, digits, `-` and `.jpg`: no path): anything else is refused before touching disk.
pub fn is_stored_name(name: &str) -> bool {
    name.strip_suffix(".jpg").is_some_and(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
}
