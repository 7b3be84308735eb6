//! Photos of reports: the type is read from the content, never from the name; the picture is
//! decoded and encoded again as JPEG, which drops every metadata block (GPS position, device,
//! dates) by construction; a thumbnail is made. Files live under the data folder.
//!
//! Decoding is bounded before it starts: the declared size is read from the header and a
//! picture over [`MAX_PIXELS`] is refused, the decoder's allocations are capped, and at most
//! [`CONCURRENT_DECODES`] pictures are decoded at once, so that small files declaring huge
//! pictures (decompression bombs) cannot exhaust the server's memory.

use crate::App;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use maillage_store::{Author, StoreError};
use std::io::Cursor;
use std::path::{Path, PathBuf};
use tokio::sync::Semaphore;

/// A 24-megapixel camera's picture; larger ones are refused before decoding.
pub const MAX_PIXELS: u64 = 24_000_000;
/// The most a decoder may allocate (a 24-megapixel picture in 16-bit RGBA is 192 MB).
pub const MAX_DECODE_BYTES: u64 = 200 * 1024 * 1024;
/// Pictures decoded at the same time, whatever the number of uploads.
pub const CONCURRENT_DECODES: usize = 2;
pub const THUMB: u32 = 320;
pub const MAX_SIDE: u32 = 2048;

static DECODES: Semaphore = Semaphore::const_new(CONCURRENT_DECODES);

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
    #[error("l'image dépasse 24 millions de pixels")]
    TooManyPixels,
}

/// Why a photo was not added.
#[derive(Debug, thiserror::Error)]
pub enum AddPhotoError {
    /// The picture itself: said to the person.
    #[error("Photo refusée : {0}.")]
    Refused(#[from] PhotoError),
    #[error("enregistrement du fichier : {0}")]
    Io(#[from] std::io::Error),
    #[error("traitement interrompu : {0}")]
    Interrupted(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Cleans an uploaded picture, keeps it and its thumbnail under the data folder, and adds it
/// to the report. Returns the photo's id.
pub async fn add(app: &App, by: &Author, report_id: i64, organisation_id: Option<i64>, bytes: Vec<u8>) -> Result<i64, AddPhotoError> {
    let kept = keep(app, bytes).await?;
    let p = maillage_store::report::Photo {
        id: 0,
        report_id,
        file_name: kept.file_name,
        thumbnail_name: kept.thumbnail_name,
        width: kept.width,
        height: kept.height,
        size_bytes: kept.size_bytes,
    };
    Ok(app.store.add_photo(by, report_id, &p, organisation_id).await?)
}

/// A cleaned picture kept under the data folder, with its thumbnail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kept {
    pub file_name: String,
    pub thumbnail_name: String,
    pub width: i64,
    pub height: i64,
    pub size_bytes: i64,
}

/// Cleans an uploaded picture ([`process`], a few at a time, off the async runtime) and writes
/// it and its thumbnail under the data folder with fresh random names.
pub async fn keep(app: &App, bytes: Vec<u8>) -> Result<Kept, AddPhotoError> {
    let max = app.max_photo_bytes;
    let processed = {
        let _permit = DECODES.acquire().await.map_err(|e| AddPhotoError::Interrupted(e.to_string()))?;
        tokio::task::spawn_blocking(move || process(&bytes, max)).await.map_err(|e| AddPhotoError::Interrupted(e.to_string()))??
    };
    let dir = folder(&app.data_dir);
    let stem = maillage_core::organisation::api_key::random_hex(16);
    let (full, thumb) = (format!("{stem}.jpg"), format!("{stem}-v.jpg"));
    tokio::fs::create_dir_all(&dir).await?;
    tokio::fs::write(dir.join(&full), &processed.full).await?;
    tokio::fs::write(dir.join(&thumb), &processed.thumbnail).await?;
    Ok(Kept {
        file_name: full,
        thumbnail_name: thumb,
        width: i64::from(processed.width),
        height: i64::from(processed.height),
        size_bytes: i64::try_from(processed.full.len()).unwrap_or(i64::MAX),
    })
}

/// Removes kept files (a photo and its thumbnail) whose row is gone; a file already missing is
/// no fault.
pub async fn forget(app: &App, names: &[&str]) {
    let dir = folder(&app.data_dir);
    for name in names.iter().filter(|n| is_stored_name(n)) {
        if let Err(e) = tokio::fs::remove_file(dir.join(name)).await
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(file = name, error = %e, "photo file not removed");
        }
    }
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
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|_| PhotoError::Unreadable)?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(PhotoError::TooManyPixels);
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
    // A picture already small enough is its own thumbnail: never enlarged.
    let thumb = if img.width() <= THUMB && img.height() <= THUMB { img.clone() } else { img.thumbnail(THUMB, THUMB) };
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

#[cfg(test)]
mod tests {
    use super::*;

    /// CRC-32 of a PNG chunk (type and data), bit by bit: test data only.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffff_u32;
        for b in bytes {
            crc ^= u32::from(*b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    fn chunk(kind: [u8; 4], data: &[u8]) -> Vec<u8> {
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        let mut out = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
        out
    }

    /// A few hundred bytes declaring a 6 300 × 6 300 picture in 16-bit RGBA (about 600 MB once
    /// decoded): refused from its header, before any pixel is decoded.
    #[test]
    fn a_picture_declaring_too_many_pixels_is_refused_before_decoding() {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&6300u32.to_be_bytes());
        ihdr.extend_from_slice(&6300u32.to_be_bytes());
        ihdr.extend_from_slice(&[16, 6, 0, 0, 0]);
        png.extend(chunk(*b"IHDR", &ihdr));
        png.extend(chunk(*b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]));
        png.extend(chunk(*b"IEND", &[]));
        assert_eq!(process(&png, 8 * 1024 * 1024).err(), Some(PhotoError::TooManyPixels));
    }

    #[test]
    fn a_small_picture_is_not_enlarged_into_its_thumbnail() {
        let img = DynamicImage::ImageRgb8(image::RgbImage::from_pixel(100, 50, image::Rgb([200, 10, 10])));
        let mut bytes = Vec::new();
        img.write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png).unwrap();
        let p = process(&bytes, 8 * 1024 * 1024).unwrap();
        let thumb = image::load_from_memory(&p.thumbnail).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (100, 50));
        assert_eq!((p.width, p.height), (100, 50));
    }
}
