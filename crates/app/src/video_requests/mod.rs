//! The CCTV footage register's use cases: cameras, requests checked against what the camera
//! still holds, extractions with their destruction day, the daily destruction of what is due and
//! the purge of entries past three years.

use crate::App;
use maillage_core::time_fmt;
use maillage_core::video_requests::{
    CameraDraft, ExtractionDraft, Fault, REGISTER_YEARS, Recording, RequestDraft, check_camera, check_extraction, check_request,
    footage_exists,
};
use maillage_store::video_requests::{FootageRequest, NewRequest};
use maillage_store::{Author, StoreError};
use time::Date;

#[derive(Debug, thiserror::Error)]
pub enum VideoError {
    #[error("saisie invalide")]
    Invalid(Vec<Fault>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub async fn add_camera(app: &App, by: &Author, d: &CameraDraft, today: Date) -> Result<i64, VideoError> {
    let organisations: Vec<i64> = app.catalog().await?.organisations.iter().map(|o| o.id).collect();
    let faults = check_camera(d, today, &organisations);
    if !faults.is_empty() {
        return Err(VideoError::Invalid(faults));
    }
    Ok(app.store.add_camera(by, d).await?)
}

/// Every fault of a request, against the chosen camera's retention.
pub async fn request_faults(app: &App, d: &RequestDraft) -> Result<Vec<Fault>, StoreError> {
    let cameras = app.store.cameras().await?;
    let camera = d
        .camera_id
        .and_then(|id| cameras.iter().find(|c| c.id == id))
        .map(|c| Recording { retention_days: c.retention_days, authorised_on: c.authorised_on });
    Ok(check_request(d, camera, time_fmt::now()))
}

/// Records a request for footage the camera still holds.
pub async fn request(app: &App, by: &Author, d: &RequestDraft) -> Result<i64, VideoError> {
    let faults = request_faults(app, d).await?;
    let (Some(camera_id), Some(from), Some(to)) = (d.camera_id, d.from, d.to) else {
        return Err(VideoError::Invalid(faults));
    };
    if !faults.is_empty() {
        return Err(VideoError::Invalid(faults));
    }
    let r = NewRequest {
        camera_id,
        requester: d.requester.clone(),
        service: d.service.clone(),
        procedure: d.procedure.clone(),
        reason: d.reason.clone(),
        from,
        to,
    };
    Ok(app.store.add_footage_request(by, &r).await?)
}

/// The fault of working on a request whose footage the camera no longer holds.
fn destroyed_fault(r: &FootageRequest) -> Option<Fault> {
    (!footage_exists(r.to, r.retention_days, time_fmt::now())).then(|| {
        ("request", format!("Les images de cette période ont été détruites (la caméra les conserve {} jours) : il n'y a plus rien à visionner ni à extraire.", r.retention_days))
    })
}

/// Records a viewing of a request's footage, while it exists.
pub async fn view(app: &App, by: &Author, r: &FootageRequest) -> Result<(), VideoError> {
    if let Some(f) = destroyed_fault(r) {
        return Err(VideoError::Invalid(vec![f]));
    }
    Ok(app.store.add_footage_viewing(by, r.id).await?)
}

/// Records an extraction of a request's footage (while it exists), with the day its copy must
/// be destroyed.
pub async fn extract(app: &App, by: &Author, r: &FootageRequest, d: &ExtractionDraft, today: Date) -> Result<i64, VideoError> {
    if let Some(f) = destroyed_fault(r) {
        return Err(VideoError::Invalid(vec![f]));
    }
    let destroy_by = check_extraction(d, today, r.retention_days).map_err(VideoError::Invalid)?;
    Ok(app.store.add_extraction(by, r.id, &d.recipient, d.judicial, destroy_by).await?)
}

/// Records the destruction of every extraction due by `today` (not kept for a judicial
/// procedure), on that day: run daily, each goes on its day.
pub async fn destroy_due(app: &App, today: Date) -> Result<usize, StoreError> {
    let by = Author { user_id: None, label: "Maillage (échéance de conservation)".into() };
    let mut n = 0;
    for e in app.store.extractions_due(today).await? {
        // Recorded the day it is done: a server stopped on the due day records it late, as it was.
        if app.store.destroy_extraction(&by, e.id, today).await? {
            n += 1;
        }
    }
    Ok(n)
}

/// Removes entries older than the register's three years.
pub async fn purge(app: &App) -> Result<u64, StoreError> {
    let cutoff = time_fmt::now() - time::Duration::days(365 * REGISTER_YEARS + 1);
    app.store.purge_video_register(&Author::system(), cutoff).await
}
